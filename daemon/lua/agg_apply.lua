-- agg_apply.lua: fold the next events of the event stream into the
-- scorecard's aggregates, so the scorecard never scans leads.
--
-- Aggregates are counters by cohort: a lead's activity counts in the hour,
-- day and month it arrived (UTC), in <prefix>:sc:<bucket>:<dim> hashes where
-- bucket is h:<hours since epoch>, d:<days since epoch> or m:YYYYMM, dim is
-- all, rep, pool, source, rule or attr (source and first event, for
-- closed-loop attribution), and a field is "<value>\31<metric>" (metrics in
-- scorecard.h). Durations are binned to two significant digits, as
-- scorecard_bin() does. The cursor (<prefix>:sc:cursor) moves in the same
-- step as the counts, so every event counts exactly once however many daemons
-- run this.
--
-- ARGV[4] most events to read, [5] the untouched threshold (ms).
-- Returns {events folded, 1 when more are waiting else 0, events lost to
-- stream trimming since the last call}.
local limit, untouched_ms = tonumber(ARGV[4]), tonumber(ARGV[5])
local K_CURSOR, K_UNTOUCHED = key('sc', 'cursor'), key('sc', 'untouched')
local SEP = '\31'

local cursor = redis.call('GET', K_CURSOR) or '0-0'
local function id_less(a, b)
  local a1, a2 = string.match(a, '^(%d+)-(%d+)$')
  local b1, b2 = string.match(b, '^(%d+)-(%d+)$')
  a1, a2, b1, b2 = tonumber(a1), tonumber(a2), tonumber(b1), tonumber(b2)
  return a1 < b1 or (a1 == b1 and a2 < b2)
end

-- Trimming that passed the cursor lost events (the stream is capped).
local lost = 0
if cursor ~= '0-0' then
  local info = redis.call('XINFO', 'STREAM', K_EVENTS)
  for i = 1, #info, 2 do
    if info[i] == 'max-deleted-entry-id' and id_less(cursor, info[i + 1]) then lost = 1 end
  end
end

local entries = redis.call('XRANGE', K_EVENTS, '(' .. cursor, '+', 'COUNT', limit)

local function bin(ms)
  if ms < 0 then ms = 0 end
  if ms < 100 then return ms end
  local p = 1
  while ms >= 100 * p do p = p * 10 end
  return math.floor(ms / p) * p
end

-- Bucket names of an instant: hour, day and month (the civil date of a day
-- count, per H. Hinnant's algorithm).
local function buckets(ms)
  local days = math.floor(ms / 86400000)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) -
    math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return { 'h:' .. math.floor(ms / 3600000), 'd:' .. days, string.format('m:%04d%02d', y, m) }
end

-- counts[bucket key][field] = delta, summed over the batch, written once.
local counts = {}
local function add(keys, value, metric, n)
  local f = value .. SEP .. metric
  for _, k in ipairs(keys) do
    local t = counts[k]
    if not t then
      t = {}
      counts[k] = t
    end
    t[f] = (t[f] or 0) + n
  end
end

local leads = {}
local function lead_info(lid)
  local l = leads[lid]
  if l == nil then
    local h = redis.call('HMGET', key('lead', lid), 'received_at', 'pool', 'rule', 'source',
      'event', 'complete', 'owner')
    if not h[1] then
      l = false
    else
      l = { received = tonumber(h[1]), pool = h[2] or '', rule = h[3] or '', source = h[4] or '',
        event = h[5] or '', complete = h[6] == '1', owner = h[7] or '' }
      -- The hash keys of each dimension, built once per lead.
      local b = buckets(l.received)
      l.combo = table.concat({ b[1], l.pool, l.source, l.rule, l.event, '' }, SEP)
      l.keys = {}
      for _, dim in ipairs({ 'all', 'rep', 'pool', 'source', 'rule', 'attr' }) do
        l.keys[dim] = { b[1] .. ':' .. dim, b[2] .. ':' .. dim, b[3] .. ':' .. dim }
      end
    end
    leads[lid] = l
  end
  return l
end

-- Counts are first summed per combination of a lead's buckets and
-- dimensions and the acting rep (many events of a batch share one), and only
-- then spread over the dimensions and levels: the per-event work stays small.
local combos, combo_list = {}, {}
local function count(l, rep, metric, n, attr)
  rep = rep or ''
  local ck = l.combo .. rep
  local c = combos[ck]
  if not c then
    c = { l = l, rep = rep, m = {}, attr = {} }
    combos[ck] = c
    combo_list[#combo_list + 1] = c
  end
  c.m[metric] = (c.m[metric] or 0) + (n or 1)
  if attr then c.attr[metric] = true end
end

local function stage_entered(l, e)
  local to = e.to
  count(l, e.rep, 'stage:' .. to, 1, true)
  if e.amount then
    count(l, e.rep, 'amount:' .. to, math.floor(tonumber(e.amount) * 100 + 0.5), true)
  end
  if e.first_decision then count(l, e.rep, 'disposition') end
end

local last_at = NOW
for _, entry in ipairs(entries) do
  local e = {}
  local f = entry[2]
  for i = 1, #f, 2 do e[f[i]] = f[i + 1] end
  last_at = tonumber(e.at) or last_at
  local l = e.lead and lead_info(e.lead)
  if l then
    local t, at = e.type, tonumber(e.at)
    if t == 'received' then
      count(l, e.rep, 'received', 1, true)
      if l.complete then count(l, e.rep, 'complete') end
      if e.stage then
        count(l, e.rep, 'stage:' .. e.stage, 1, true)
        redis.call('ZADD', K_UNTOUCHED, l.received + untouched_ms, e.lead)
      end
    elseif t == 'nurture' then
      count(l, e.rep, 'nurture')
    elseif t == 'assigned' then
      count(l, e.rep, 'routed')
      count(l, e.rep, 'ttr#' .. bin(at - l.received))
    elseif t == 'touched' then
      count(l, e.rep, 'touches')
      if e.first then
        count(l, e.rep, 'touched')
        count(l, e.rep, 'ttft#' .. bin(at - l.received))
        redis.call('ZREM', K_UNTOUCHED, e.lead)
      end
    elseif t == 'accepted' then
      count(l, e.rep, 'accepted')
      stage_entered(l, e)
    elseif t == 'rejected' then
      count(l, e.rep, 'rejected')
      count(l, e.rep, 'reject:' .. (e.reason or ''))
      stage_entered(l, e)
      redis.call('ZREM', K_UNTOUCHED, e.lead)
    elseif t == 'stage' then
      if e.reason then count(l, e.rep, 'lost:' .. e.reason) end
      stage_entered(l, e)
      if e.closes then redis.call('ZREM', K_UNTOUCHED, e.lead) end
    elseif t == 'clock' then
      count(l, e.rep, (e.result == 'met' and 'met:' or 'breached:') .. e.clock)
    elseif t == 'escalated' then
      count(l, e.rep, 'breached:' .. e.clock)
    end
  end
end

-- Sales leads past the threshold without a touch, rejection or close: a
-- touch takes its lead out of the set as it is read, so while catching up
-- only leads due by the last event read are settled; else, those due now.
local more = #entries == limit
local due = redis.call('ZRANGEBYSCORE', K_UNTOUCHED, '-inf', more and last_at or NOW,
  'LIMIT', 0, 1000)
for _, lid in ipairs(due) do
  redis.call('ZREM', K_UNTOUCHED, lid)
  local l = lead_info(lid)
  if l then count(l, l.owner, 'untouched') end
end

for _, c in ipairs(combo_list) do
  local k, l = c.l.keys, c.l
  local attr_value = l.source .. '\30' .. l.event
  for metric, n in pairs(c.m) do
    add(k.all, '', metric, n)
    add(k.rep, c.rep, metric, n)
    add(k.pool, l.pool, metric, n)
    add(k.source, l.source, metric, n)
    add(k.rule, l.rule, metric, n)
    if c.attr[metric] then add(k.attr, attr_value, metric, n) end
  end
end
for k, t in pairs(counts) do
  local hk = key('sc', k)
  for field, n in pairs(t) do redis.call('HINCRBY', hk, field, n) end
end
if #entries > 0 then redis.call('SET', K_CURSOR, entries[#entries][1]) end
return { #entries, (more or #due == 1000) and 1 or 0, lost }
