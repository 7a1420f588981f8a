-- uses: keys, index
-- lead_search.lua: find leads by owner or by company (see index.lua), newest
-- first, a page at a time. By company (the more selective: a company has
-- few leads, a rep many): the company index's periods newest first, each
-- merging the companies whose key begins with the prefix, newest lead
-- first, the owner (when given) a filter. By owner alone: the rep's index,
-- newest assignment first. Entries whose lead is gone (expired), or no
-- longer the rep's or of that company, are removed as they are met.
-- ARGV[4] owner ('' for any), [5] company key prefix ('' for any), [6]
-- statuses (comma-separated, '' for any), [7] most leads, [8] cursor ('' for
-- the first page: a next cursor of an earlier page, '<n>:<lead id>', n being
-- an assignment time or a period), [9] leads.retention (ms), [10] most index
-- entries to read.
-- Returns {'ok', next cursor or '', then per lead: id, received_at, status,
-- stage, owner, pool, fields, score, grade ('' for none)}, or {'too_broad',
-- companies} when more than MAX_COMPANIES company keys of a period begin
-- with the prefix.
local owner, prefix, cursor = ARGV[4], ARGV[5], ARGV[8]
local limit, retention, budget = tonumber(ARGV[7]), tonumber(ARGV[9]), tonumber(ARGV[10])
local MAX_COMPANIES = 100
local statuses
for s in string.gmatch(ARGV[6], '[^,]+') do
  statuses = statuses or {}
  statuses[s] = true
end
local cur_n, cur_id = string.match(cursor, '^(%d+):(.+)$')
cur_n = tonumber(cur_n)

local out = { 'ok', '' }
local found, read = 0, 0

-- Read the lead an entry names; add it to the page when it matches. gone():
-- the entry is stale (lead expired, or not the rep's, or not that company).
-- What it filters on is read first, the rest (fields: the largest) only
-- for a lead that is listed.
local function examine(id, company, gone)
  read = read + 1
  local lk = key('lead', id)
  local h = redis.call('HMGET', lk, 'status', 'owner', 'company_ix')
  if not h[1] or (company and h[3] ~= company) or (not company and h[2] ~= owner) then
    gone()
    return
  end
  if owner ~= '' and h[2] ~= owner then return end
  if statuses and not statuses[h[1]] then return end
  found = found + 1
  local more = redis.call('HMGET', lk, 'received_at', 'stage', 'pool', 'fields', 'score', 'grade')
  for _, v in ipairs({ id, more[1] or '', h[1], more[2] or '', h[2] or '', more[3] or '',
    more[4] or '', more[5] or '', more[6] or '' }) do
    out[#out + 1] = v
  end
end

-- True when the page is done: full, or as many entries read as allowed.
local function done()
  return found >= limit or read >= budget
end

local function by_owner()
  local k = key('ix', 'owner', owner)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. (NOW - retention))
  local max = cur_n and tostring(cur_n) or '+inf'
  local off, last = 0, nil
  while true do
    local rows = redis.call('ZREVRANGEBYSCORE', k, max, '-inf', 'WITHSCORES', 'LIMIT', off, 50)
    if #rows == 0 then return '' end
    off = off + #rows / 2
    for j = 1, #rows, 2 do
      local id, at = rows[j], rows[j + 1]
      -- Past the cursor: an older assignment, or as old and a smaller id.
      if not (cur_n and tonumber(at) == cur_n and id >= cur_id) then
        if done() then return last end
        last = at .. ':' .. id
        examine(id, nil, function()
          redis.call('ZREM', k, id)
          off = off - 1
        end)
      end
    end
  end
end

-- The company keys of period key k that begin with the prefix; nil when
-- there are more than MAX_COMPANIES.
local function companies(k)
  local list = {}
  local from, to = '[' .. prefix, '(' .. prefix .. '\255'
  while true do
    local r = redis.call('ZRANGEBYLEX', k, from, to, 'LIMIT', 0, 1)
    if #r == 0 then return list end
    local co = string.match(r[1], '^(.*)\31')
    if #list == MAX_COMPANIES then return nil end
    list[#list + 1] = co
    from = '[' .. co .. '\32'   -- past every '<co>\31<id>'
  end
end

-- A company's entries in period key k, newest first, below id below (nil:
-- all), read 16 at a time.
local function stream_new(k, co, below)
  return { k = k, co = co, below = below, buf = {}, pos = 1, ended = false }
end

-- The id at the head of a company's entries, or nil when there are no more.
local function stream_head(s)
  if s.pos > #s.buf then
    if s.ended then return nil end
    local max = s.below and '(' .. s.co .. '\31' .. s.below or '(' .. s.co .. '\32'
    s.buf = redis.call('ZREVRANGEBYLEX', s.k, max, '[' .. s.co .. '\31', 'LIMIT', 0, 16)
    s.pos = 1
    s.ended = #s.buf < 16
    if #s.buf == 0 then return nil end
  end
  return string.sub(s.buf[s.pos], #s.co + 2)
end

local function by_company()
  local newest, oldest = index_period(NOW), index_period(NOW - retention)
  local last
  for n = cur_n and math.min(cur_n, newest) or newest, oldest, -1 do
    local k = key('ix', 'company', n)
    local list = companies(k)
    if not list then return nil end
    local streams = {}
    for _, co in ipairs(list) do
      streams[#streams + 1] = stream_new(k, co, n == cur_n and cur_id or nil)
    end
    while true do
      local best, best_id
      for _, s in ipairs(streams) do
        local id = stream_head(s)
        if id and (not best_id or id > best_id) then best, best_id = s, id end
      end
      if not best then break end
      if done() then return last end
      best.below = best_id
      best.pos = best.pos + 1
      last = n .. ':' .. best_id
      examine(best_id, best.co, function()
        redis.call('ZREM', k, best.co .. '\31' .. best_id)
      end)
    end
  end
  return ''
end

local next_cursor
if prefix ~= '' then
  next_cursor = by_company()
  if not next_cursor then return { 'too_broad', MAX_COMPANIES } end
else
  next_cursor = by_owner()
end
out[2] = next_cursor
return out
