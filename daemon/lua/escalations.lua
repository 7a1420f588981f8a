-- escalations.lua: escalations newest first, one page at a time.
-- ARGV[4] page size, [5] cursor ('' for the newest; else return ids below it),
-- [6] lead id to filter on, or ''.
local limit, cursor, lead = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local ids = {}
if lead ~= '' then
  -- A lead's escalations are the escalated events of its history.
  local history = redis.call('HGET', P .. ':lead:' .. lead, 'events')
  local events = history and cjson.decode(history) or {}
  for i = #events, 1, -1 do
    local e = events[i]
    if e.type == 'escalated' and (cursor == nil or tonumber(e.escalation) < cursor) then
      ids[#ids + 1] = e.escalation
      if #ids > limit then break end
    end
  end
else
  local max = '+inf'
  if cursor then max = '(' .. cursor end
  ids = redis.call('ZREVRANGEBYSCORE', key('escalations'), max, '-inf', 'LIMIT', 0, limit + 1)
end
local next_cursor = cjson.null
if #ids > limit then
  ids[#ids] = nil
  next_cursor = ids[#ids]
end
local items = {}
if #ids > 0 then
  for _, v in ipairs(redis.call('HMGET', key('escalation'), unpack(ids))) do
    if v then items[#items + 1] = v end
  end
end
return cjson.encode({ items = items, next = next_cursor })
