-- uses: keys
-- sla_view.lua: the SLA clocks running now, soonest due first, changing nothing.
-- ARGV[4] most clocks to answer, [5] pool or '', [6] owner or '' (the lead's
-- owner now), [7] state (on_track, at_risk, breached) or '', [8] the percent
-- of its duration left at or below which a clock is at risk.
-- A running clock is in one of two places: in P:deadlines as <clock>:<lead>,
-- scored by its due time, until sla_claim finds it due; then, breached and
-- still running, behind its open escalation until its stop event. Each place
-- is read in order (deadlines by due time; open escalations by id, the order
-- the claims opened them, which is their due order), a page at a time and at
-- most SCAN_MAX members of each, so the cost does not grow with the deadlines
-- pending; partial says a bound cut a reading short (later clocks may be
-- missing from the answer).
-- Returns JSON {now, partial, clocks = [{lead, clock, owner, pool, started_at,
-- due_at, duration, state, escalation}]}.
local SCAN_MAX, PAGE = 2000, 100
local limit, pool, owner, want = tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local risk_pct = tonumber(ARGV[8])
local partial = false

-- Breached past its due time; at risk with risk_pct of its duration left or less.
local function clock_state(st)
  local left = st.due_at - NOW
  if st.breached or left < 0 then return 'breached' end
  if left * 100 <= (st.duration or 0) * risk_pct then return 'at_risk' end
  return 'on_track'
end

-- The newest open escalation of a clock in a lead's esc_open ("id:clock,…"), or nil.
local function esc_of(open, clock)
  local found
  for eid, c in string.gmatch(open or '', '(%d+):([^,]+)') do
    if c == clock then found = eid end
  end
  return found
end

-- The lead's clock as the answer shows it, when it still runs the run due at
-- due (breached or not, as expected) and passes the filters; else nil.
local function running(lead, clock, due, breached, eid)
  local h = redis.call('HMGET', key('lead', lead), 'clk:' .. clock, 'status', 'owner', 'pool',
    'esc_open')
  if not h[1] then return nil end
  local st = cjson.decode(h[1])
  if st.stopped_at or st.due_at ~= due or (st.breached == true) ~= breached then return nil end
  local who = h[2] ~= 'queued' and h[3] or nil
  if (pool ~= '' and h[4] ~= pool) or (owner ~= '' and who ~= owner) then return nil end
  local state = clock_state(st)
  if want ~= '' and state ~= want then return nil end
  return { lead = lead, clock = clock, owner = who or cjson.null, pool = h[4] or cjson.null,
    started_at = st.started_at, due_at = st.due_at, duration = st.duration or 0, state = state,
    escalation = eid or esc_of(h[5], clock) or cjson.null }
end

-- Clocks not yet claimed, from P:deadlines in due order (reminders, levels
-- and owed breaches passed over).
local function from_deadlines(out)
  local min, max = '-inf', '+inf'
  if want == 'breached' then
    max = '(' .. string.format('%d', NOW)
  elseif want ~= '' then
    min = string.format('%d', NOW)
  end
  local found, off = 0, 0
  while found < limit do
    if off >= SCAN_MAX then
      partial = partial or
        #redis.call('ZRANGEBYSCORE', K_DEADLINES, min, max, 'LIMIT', off, 1) > 0
      return
    end
    local page = redis.call('ZRANGEBYSCORE', K_DEADLINES, min, max, 'WITHSCORES', 'LIMIT', off, PAGE)
    for i = 1, #page, 2 do
      local m = page[i]
      if not (string.find(m, '^remind:') or string.find(m, '^esc:') or string.find(m, '^owed:')) then
        local clock, lead = string.match(m, '^([^:]+):(.+)$')
        local c = clock and running(lead, clock, tonumber(page[i + 1]), false, nil)
        if c then
          out[#out + 1] = c
          found = found + 1
          if found == limit then return end
        end
      end
    end
    if #page < 2 * PAGE then return end
    off = off + PAGE
  end
end

-- Clocks breached and still running, from the open escalations in id order.
local function from_escalations(out)
  local index = key('escalations', 'open')
  local found, scanned, after = 0, 0, '-inf'
  while found < limit do
    if scanned >= SCAN_MAX then
      partial = partial or #redis.call('ZRANGEBYSCORE', index, after, '+inf', 'LIMIT', 0, 1) > 0
      return
    end
    local ids = redis.call('ZRANGEBYSCORE', index, after, '+inf', 'LIMIT', 0, PAGE)
    if #ids == 0 then return end
    local raws = redis.call('HMGET', key('escalation'), unpack(ids))
    for i, id in ipairs(ids) do
      scanned = scanned + 1
      after = '(' .. id
      local e = raws[i] and cjson.decode(raws[i])
      local c = e and e.status == 'open' and running(e.lead, e.clock, e.due_at, true, id)
      if c then
        out[#out + 1] = c
        found = found + 1
        if found == limit then return end
      end
    end
    if #ids < PAGE then return end
  end
end

local clocks = {}
if want == '' or want == 'breached' then from_escalations(clocks) end
from_deadlines(clocks)
table.sort(clocks, function(a, b)
  if a.due_at ~= b.due_at then return a.due_at < b.due_at end
  if a.lead ~= b.lead then return a.lead < b.lead end
  return a.clock < b.clock
end)
for i = #clocks, limit + 1, -1 do clocks[i] = nil end
return cjson.encode({ now = NOW, partial = partial, clocks = clocks })
