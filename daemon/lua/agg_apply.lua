-- uses: keys
-- agg_apply.lua: add one batch of the event stream, folded by the daemon
-- (scorecard_agg.c, core/scorecard_fold.c), to the scorecard's aggregates
-- and move the cursor past it -- only if the cursor is still where the batch
-- began, so each event counts exactly once however many daemons fold.
--
-- Aggregates are counters by cohort: a lead's activity counts in the hour,
-- day and month it arrived (UTC), in <prefix>:sc:<bucket>:<dim> hashes where
-- bucket is h:<hours since epoch>, d:<days since epoch> or m:YYYYMM, dim is
-- all, rep, pool, source, rule or attr, and a field is "<value>\31<metric>"
-- (see scorecard_fold.h and scorecard.h).
--
-- The batch's new leads are already in the untouched set (agg_untouched.lua,
-- in short calls before this one).
--
-- ARGV[4] the cursor the batch was read after, [5] the id of its last entry
-- ('' when it is empty), [6] settle untouched leads due by this time (ms),
-- [7] m, then m leads to take out of the untouched set, then per hash: its
-- <bucket>:<dim>, k, k x (field, increment). Returns {1, 1 when more leads
-- are due to settle else 0}, or {0, the cursor now} when another daemon moved
-- it first (nothing written).
local K_CURSOR, K_UNTOUCHED = key('sc', 'cursor'), key('sc', 'untouched')
local SEP = '\31'
local CHUNK = 500	-- members per ZREM (Lua's stack is limited)

local cursor = redis.call('GET', K_CURSOR) or '0-0'
if cursor ~= ARGV[4] then return { 0, cursor } end

local m = tonumber(ARGV[7])
local i = 8
for s = 0, m - 1, CHUNK do
  redis.call('ZREM', K_UNTOUCHED, unpack(ARGV, i + s, i + math.min(s + CHUNK, m) - 1))
end
i = i + m
while i <= #ARGV do
  local hk, k = key('sc', ARGV[i]), tonumber(ARGV[i + 1])
  for j = i + 2, i + 2 * k, 2 do redis.call('HINCRBY', hk, ARGV[j], ARGV[j + 1]) end
  i = i + 2 + 2 * k
end

-- Bucket names of an instant: hour, day and month (the civil date of a day
-- count, per H. Hinnant's algorithm), as scorecard_bucket_names() does.
local function buckets(ms)
  local days = math.floor(ms / 86400000)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) -
    math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local mo = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (mo <= 2 and 1 or 0)
  return { 'h:' .. math.floor(ms / 3600000), 'd:' .. days, string.format('m:%04d%02d', y, mo) }
end

-- Sales leads past the threshold without a touch, rejection or close count
-- as untouched, under their owner; the batch's own changes to the set came
-- first. The daemon passes the time of the last event read while catching
-- up, else now.
local due = redis.call('ZRANGEBYSCORE', K_UNTOUCHED, '-inf', ARGV[6], 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', K_UNTOUCHED, unpack(due))
  local counts = {}
  for _, lid in ipairs(due) do
    local h = redis.call('HMGET', key('lead', lid), 'received_at', 'pool', 'rule', 'source',
      'owner')
    if h[1] then
      local values = { all = '', rep = h[5] or '', pool = h[2] or '', source = h[4] or '',
        rule = h[3] or '' }
      for _, b in ipairs(buckets(tonumber(h[1]))) do
        for dim, value in pairs(values) do
          local hk, f = b .. ':' .. dim, value .. SEP .. 'untouched'
          local t = counts[hk]
          if not t then
            t = {}
            counts[hk] = t
          end
          t[f] = (t[f] or 0) + 1
        end
      end
    end
  end
  for k, t in pairs(counts) do
    local hk = key('sc', k)
    for f, c in pairs(t) do redis.call('HINCRBY', hk, f, c) end
  end
end
if ARGV[5] ~= '' then redis.call('SET', K_CURSOR, ARGV[5]) end
return { 1, #due == 1000 and 1 or 0 }
