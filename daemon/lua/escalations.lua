-- uses: keys
-- escalations.lua: escalations newest first, one page at a time, filtered.
-- ARGV[4] page size, [5] cursor ('' for the newest; else ids below it),
-- [6] lead id or '', [7] status (open, acknowledged, resolved) or '', [8] pool or ''.
-- Filters other than the index used are checked record by record, at most
-- SCAN_MAX records a call; a page may then come back short, with a cursor.
local SCAN_MAX = 2000
local limit, cursor, lead, status, pool = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6],
  ARGV[7], ARGV[8]
local items, last_seen, exhausted = {}, nil, true

local function want(raw)
  if status == '' and pool == '' then return true end
  local e = cjson.decode(raw)
  return (status == '' or e.status == status) and (pool == '' or e.pool == pool)
end

if lead ~= '' then
  -- A lead's escalations are the escalated events of its history.
  local history = redis.call('HGET', P .. ':lead:' .. lead, 'events')
  local events = history and cjson.decode(history) or {}
  local ids = {}
  for i = #events, 1, -1 do
    local e = events[i]
    if e.type == 'escalated' and (cursor == nil or tonumber(e.escalation) < cursor) then
      ids[#ids + 1] = e.escalation
    end
  end
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', key('escalation'), id)
    if raw and want(raw) then
      if #items == limit then exhausted = false break end
      items[#items + 1] = raw
      last_seen = id
    end
  end
else
  -- The narrowest index: the pool's, the open ones, or all.
  local index = key('escalations')
  if pool ~= '' then
    index = key('escalations', 'pool', pool)
  elseif status == 'open' then
    index = key('escalations', 'open')
  end
  local max = cursor and ('(' .. cursor) or '+inf'
  local scanned = 0
  while #items < limit + 1 and scanned < SCAN_MAX do
    local ids = redis.call('ZREVRANGEBYSCORE', index, max, '-inf', 'LIMIT', 0, 100)
    if #ids == 0 then break end
    local raws = redis.call('HMGET', key('escalation'), unpack(ids))
    for i, id in ipairs(ids) do
      scanned = scanned + 1
      if raws[i] and want(raws[i]) then
        if #items == limit then exhausted = false break end
        items[#items + 1] = raws[i]
      end
      last_seen = id
      max = '(' .. id
    end
    if not exhausted then break end
  end
  if exhausted and scanned >= SCAN_MAX and
    #redis.call('ZREVRANGEBYSCORE', index, max, '-inf', 'LIMIT', 0, 1) > 0 then
    exhausted = false
  end
end
local next_cursor = cjson.null
if not exhausted and last_seen then next_cursor = last_seen end
return cjson.encode({ items = items, next = next_cursor })
