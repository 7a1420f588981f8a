-- uses: keys
-- rotation.lua: who gets the next lead of a pool, and why the others did not.

-- Weighted round robin by stride scheduling. Per pool, one hash holds the
-- rotation: rep -> pass, rep~n -> pick number of the rep's last lead, ~vt ->
-- virtual time, ~n -> picks so far. Each pick adds STRIDE / weight to the
-- rep's pass, so weight 2 gets twice the leads of weight 1 over a cycle. Among
-- eligible reps the lowest pass goes next; on a tie, the one assigned longest
-- ago (never assigned: rotation order). A pass never lags the virtual time,
-- so a rep coming back rejoins the rotation instead of collecting a backlog.
local STRIDE = 720720	-- divisible by every weight from 1 to 16

-- What pick_rep reads for a list of candidates: their ids, the rotation's
-- fields, whether any has an open-lead cap, and their day counts' keys
-- (nil when none has a daily cap). Worked out once per list and kept on it:
-- a route plan's lists are kept across calls (route_plan.lua).
local function rotation_reads(cands)
  local m = cands.reads
  if m then return m end
  m = { ids = {}, fields = { '~vt', '~n' }, open_caps = false }
  local day_caps = false
  for i, c in ipairs(cands) do
    m.ids[i] = c.id
    m.fields[2 * i + 1] = c.id
    m.fields[2 * i + 2] = c.id .. '~n'
    m.open_caps = m.open_caps or c.max_open > 0
    day_caps = day_caps or c.max_day > 0
  end
  if day_caps then
    m.daykeys = {}
    for i, c in ipairs(cands) do
      m.daykeys[i] = (c.max_day > 0) and key('rep_day', c.id, c.day) or key('rep_day', '~none')
    end
  end
  cands.reads = m
  return m
end

-- Candidates come from the daemon (it knows the config and the clock):
-- {id, weight, max_open, max_day, day (local date, '' without a daily cap),
-- hours (1: within working hours)}. Returns the chosen rep or nil, and a
-- reason for every candidate: chosen, away, ooo, outside_hours, at_cap,
-- daily_cap, pool_cap or weight_turn. With dry set, nothing is written.
local function pick_rep(pool, cands, pool_max_open, dry)
  local n = #cands
  if n == 0 then return nil, {} end
  local m = rotation_reads(cands)
  local rk = P .. ':pool:' .. pool .. ':rotation'
  local status = redis.call('HMGET', K_REP_STATUS, unpack(m.ids))
  local state = redis.call('HMGET', rk, unpack(m.fields))
  -- Loads are read only when a cap needs them.
  local open = m.open_caps and redis.call('HMGET', K_REP_OPEN, unpack(m.ids)) or {}
  local today = m.daykeys and redis.call('MGET', unpack(m.daykeys)) or {}
  local pool_full = pool_max_open > 0 and
    (tonumber(redis.call('HGET', K_POOL_OPEN, pool)) or 0) >= pool_max_open
  local vt = tonumber(state[1]) or 0
  local reasons = {}
  local best, best_pass, best_last
  for i, c in ipairs(cands) do
    local st = status[i] or 'available'
    local reason
    if st == 'away' then
      reason = 'away'
    elseif string.sub(st, 1, 4) == 'ooo:' and tonumber(string.sub(st, 5)) > NOW then
      reason = 'ooo'
    elseif st == 'ooo' then
      reason = 'ooo'
    elseif c.hours ~= 1 then
      reason = 'outside_hours'
    elseif c.max_open > 0 and (tonumber(open[i]) or 0) >= c.max_open then
      reason = 'at_cap'
    elseif c.max_day > 0 and (tonumber(today[i]) or 0) >= c.max_day then
      reason = 'daily_cap'
    elseif pool_full then
      reason = 'pool_cap'
    else
      local p = tonumber(state[2 * i + 1]) or vt
      local l = tonumber(state[2 * i + 2]) or 0
      if p < vt then p = vt end
      if best == nil or p < best_pass or (p == best_pass and l < best_last) then
        if best ~= nil then reasons[best] = 'weight_turn' end
        best, best_pass, best_last = i, p, l
        reason = 'chosen'
      else
        reason = 'weight_turn'
      end
    end
    reasons[i] = reason
  end
  if best == nil then return nil, reasons end
  local c = cands[best]
  if not dry then
    local picks = (tonumber(state[2]) or 0) + 1
    picks = num_text(picks)
    redis.call('HSET', rk, c.id, num_text(best_pass + STRIDE / c.weight), c.id .. '~n', picks,
      '~vt', num_text(best_pass), '~n', picks)
  end
  return c, reasons
end

-- One candidate from its six values at ARGV[i] (see pick_rep); its weight
-- stays text (Lua turns it into a number where a pick divides by it).
local function read_candidate(i)
  -- Numbers only where they are not the usual 0 and 1: Redis's Lua parses
  -- a number with strtod, which costs more than the rest of this.
  return { id = ARGV[i], weight = ARGV[i + 1],
    max_open = ARGV[i + 2] == '0' and 0 or tonumber(ARGV[i + 2]),
    max_day = ARGV[i + 3] == '0' and 0 or tonumber(ARGV[i + 3]), day = ARGV[i + 4],
    hours = ARGV[i + 5] == '1' and 1 or tonumber(ARGV[i + 5]) }
end

-- Candidates as the scripts receive them: ARGV[i] is their count, then six
-- values each (read_candidate). Returns the list and the index after them.
local function read_candidates(i)
  local cands = {}
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    cands[#cands + 1] = read_candidate(i)
    i = i + 6
  end
  return cands, i
end

-- Pools for scripts that pick across them: ARGV[i] is their count, then each
-- pool's id, its open-lead cap and its candidates (read_candidates).
local function read_pools(i)
  local pools = {}
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    local pool = { id = ARGV[i], max_open = tonumber(ARGV[i + 1]) }
    pool.reps, i = read_candidates(i + 2)
    pools[#pools + 1] = pool
  end
  return pools
end

-- Facts of one rep from the daemon's table ",id:in_hours:max_open:max_day:day,…"
-- as a candidate, or nil when the rep is not in the config.
local function rep_fact(facts, id)
  local s = string.find(facts, ',' .. id .. ':', 1, true)
  if not s then return nil end
  local e = string.find(facts, ',', s + 1, true)
  local h, mo, md, day = string.match(string.sub(facts, s + #id + 2, e - 1),
    '^(%d):(%d+):(%d+):(.*)$')
  return { id = id, weight = 1, hours = tonumber(h), max_open = tonumber(mo),
    max_day = tonumber(md), day = day }
end

-- Can this one rep take a lead now (status, hours, caps)? Returns the reason:
-- chosen when it can. With caps false, only status and hours count.
local function rep_check(c, caps)
  local st = redis.call('HGET', K_REP_STATUS, c.id) or 'available'
  if st == 'away' then return 'away' end
  if st == 'ooo' or (string.sub(st, 1, 4) == 'ooo:' and tonumber(string.sub(st, 5)) > NOW) then
    return 'ooo'
  end
  if c.hours ~= 1 then return 'outside_hours' end
  if caps and c.max_open > 0 and
    (tonumber(redis.call('HGET', key('rep_open'), c.id)) or 0) >= c.max_open then
    return 'at_cap'
  end
  if caps and c.max_day > 0 and
    (tonumber(redis.call('GET', key('rep_day', c.id, c.day))) or 0) >= c.max_day then
    return 'daily_cap'
  end
  return 'chosen'
end

-- "ana=away,ben=chosen": why each candidate was or was not picked.
local function reasons_text(cands, reasons)
  local out = {}
  for i, c in ipairs(cands) do out[i] = c.id .. '=' .. reasons[i] end
  return table.concat(out, ',')
end

-- Count a lead in the rep's local day (for max_per_day and the team's view);
-- the count is kept three days.
local function count_day(rep)
  if rep.day == nil or rep.day == '' then return end
  local dk = key('rep_day', rep.id, rep.day)
  if redis.call('INCR', dk) == 1 then redis.call('EXPIRE', dk, '259200') end
end
