-- uses: keys, events, cfg, esc
-- clocks.lua: SLA clocks: started and stopped by lead events, with their
-- deadlines for sla_claim.lua; everything that must change atomically with a lead.

-- Deadlines written by this call; the earliest goes back to the daemon's alarm.
local NEXT_DEADLINE = nil
local function deadline_add(at, member)
  redis.call('ZADD', K_DEADLINES, at, member)
  if NEXT_DEADLINE == nil or at < NEXT_DEADLINE then NEXT_DEADLINE = at end
end

-- The instant dur ms of the calendar's open time after start. Past the
-- published windows (or for an unknown calendar) time counts as wall time.
local function cal_add(cal, start, dur)
  if cal == nil or cal == '' then return start + dur end
  local ck = P .. ':cal:' .. cal
  local t, left = start, dur
  while true do
    -- A clock usually ends within the next window or two: read few at a time.
    local w = redis.call('ZRANGEBYSCORE', ck, '(' .. string.format('%d', t), '+inf', 'LIMIT', 0, 4)
    if #w == 0 then return t + left end
    for _, m in ipairs(w) do
      local s, e = string.match(m, '^(%d+):(%d+)$')
      s, e = tonumber(s), tonumber(e)
      if s < t then s = t end
      if left <= e - s then return s + left end
      left = left - (e - s)
      t = e
    end
  end
end

-- A clock's outcome, for the scorecard's aggregates (see agg_apply.lua).
local function clock_outcome(lead_id, name, result, owner)
  stream_add('clock', { 'lead', lead_id, 'clock', name, 'result', result, 'rep', owner or '' })
end

-- Run the lead's clocks through events, in order: each stops the running
-- clocks that stop on it, then starts those that start on it. ctx: owner and
-- pool now, sla (the lead's own durations by clock), restart (a reassignment:
-- clocks starting on the event start over for the new owner; the stopped run
-- is marked restart_as, else reassigned), cancel (the lead left the sales
-- process: every clock still running stops, neither met nor breached unless
-- already late). A clock started and stopped within one call writes no
-- deadline. Returns the lead's clocks. (A new lead's clocks, and a simulated
-- one's, are clocks_new_lead's.)
local function clocks_on_events(lead_id, events, ctx)
  local lk = P .. ':lead:' .. lead_id
  local pf = { 'clocks' }
  if ctx.pool and ctx.pool ~= '' then pf[#pf + 1] = 'pool:' .. ctx.pool end
  if ctx.owner then pf[#pf + 1] = 'rep:' .. ctx.owner end
  cfg_prefetch(pf)
  local clocks = cfg_clocks()
  if #clocks == 0 then return {} end
  local state, dirty, fields = {}, {}, {}
  for i, c in ipairs(clocks) do fields[i] = 'clk:' .. c.name end
  local cur = redis.call('HMGET', lk, unpack(fields))
  for i = 1, #clocks do state[i] = cur[i] and cjson.decode(cur[i]) or false end
  local pc = cfg_pool(ctx.pool)
  for _, ev in ipairs(events) do
    for i, c in ipairs(clocks) do
      local st = state[i]
      local restart = ctx.restart and c.start == ev
      local cancel = ctx.cancel and ev == events[#events] and not c.stopset[ev]
      if st and not st.stopped_at and (c.stopset[ev] or restart or cancel) then
        st.stopped_at = NOW
        local was_breached = st.breached
        if not st.breached and NOW > st.due_at then st.breached = true end
        if restart then st[ctx.restart_as or 'reassigned'] = true end
        if cancel then st.cancelled = true end
        -- A breach found at its deadline was counted then (sla_claim.lua).
        local outcome
        if st.breached and not was_breached then
          outcome = 'breached'
        elseif not st.breached and not restart and not cancel then
          outcome = 'met'
        end
        if outcome then clock_outcome(lead_id, c.name, outcome, st.owner) end
        if not st.pending then
          redis.call('ZREM', K_DEADLINES, c.name .. ':' .. lead_id, 'remind:' .. c.name .. ':' .. lead_id)
          -- Late with its deadline not yet claimed (no daemon ran when it was
          -- due): the escalation the claim would have opened is owed. Hand it
          -- over in the same step, as a deadline already due, so the next claim
          -- opens it (and resolves it at once, the clock having stopped).
          if st.breached and not was_breached then
            redis.call('ZADD', K_DEADLINES, st.due_at, table.concat({ 'owed', c.name, lead_id,
              string.format('%d', st.started_at), ev, st.owner or '' }, ':'))
          end
        end
        st.pending = nil
        if not restart then
          esc_resolve_clock(lead_id, c.name, ev)
          if c.offline > 0 and st.owner and not st.breached then
            redis.call('HSET', key('rep_miss_streak'), st.owner, 0)
          end
        end
        dirty[i] = true
      end
      if c.start == ev then
        local dur = (ctx.sla and ctx.sla[c.name]) or (pc.sla and pc.sla[c.name]) or c.dur
        local cal = ''
        if c.cal == 'owner' then
          cal = ctx.owner and (cfg_get('rep:' .. ctx.owner) or {}).cal or ''
        elseif c.cal == 'pool' then
          cal = pc.cal or ''
        elseif c.cal == 'named' then
          cal = c.calendar
        end
        state[i] = { started_at = NOW, due_at = cal_add(cal, NOW, dur), duration = dur,
          calendar = cal ~= '' and cal or nil, owner = ctx.owner, pool = ctx.pool,
          pending = true }
        dirty[i] = true
      end
    end
  end
  local out, hset = {}, {}
  for i, c in ipairs(clocks) do
    local st = state[i]
    if st and st.pending then
      st.pending = nil
      deadline_add(st.due_at, c.name .. ':' .. lead_id)
      if c.remind > 0 and st.due_at - c.remind > NOW then
        deadline_add(st.due_at - c.remind, 'remind:' .. c.name .. ':' .. lead_id)
      end
    end
    if dirty[i] then
      hset[#hset + 1] = 'clk:' .. c.name
      hset[#hset + 1] = cjson.encode(st)
    end
    if st then out[c.name] = st end
  end
  if #hset > 0 then redis.call('HSET', lk, unpack(hset)) end
  return out
end

-- A lead's own durations (its rule's and grade's), stored with it.
local function lead_sla(lk)
  local raw = redis.call('HGET', lk, 'sla')
  return raw and raw ~= '' and cjson.decode(raw) or {}
end

-- A new lead's clocks come from the plan the daemon sends with it (it holds
-- the config, so nothing is read from <prefix>:cfg or decoded): ARGV[i] is
-- the number n of clocks that start on arrival or on a new lead's status
-- (received, assigned, queued, nurture), then eight values each: name, start
-- event, stop events (',a,b,'), the clock's duration, pools' own (',pool=ms,…';
-- '' for none), calendar kind (wall, owner, pool, named), the named
-- calendar, and the reminder (ms before due; 0 for none); then the reps' and
-- the pools' calendars (',id=calendar,…'; '' when no clock needs them). It
-- depends on the config alone (a route plan's part, see route_plan.lua);
-- the lead's own durations come apart (clocks_new_lead). Returns the plan
-- and the index after it.
local function clock_plan_read(i)
  local plan = {}
  local n = tonumber(ARGV[i])
  for k = 1, n do
    local j = i + 8 * (k - 1)
    plan[k] = { name = ARGV[j + 1], start = ARGV[j + 2], stops = ARGV[j + 3],
      -- The duration as text (for its JSON) and as a number (for the due time).
      dur = ARGV[j + 4], dur_n = tonumber(ARGV[j + 4]), pool_durs = ARGV[j + 5], cal = ARGV[j + 6],
      calendar = ARGV[j + 7], remind = ARGV[j + 8] == '0' and 0 or tonumber(ARGV[j + 8]) }
  end
  local cals = i + 1 + 8 * n
  plan.rep_cals, plan.pool_cals = ARGV[cals], ARGV[cals + 1]
  return plan, cals + 2
end

-- The value of id in a ',id=value,…' list, or nil.
local function plan_lookup(list, id)
  if list == '' or id == nil then return nil end
  local s, e = string.find(list, ',' .. id .. '=', 1, true)
  if not s then return nil end
  return string.sub(list, e + 1, string.find(list, ',', e + 1, true) - 1)
end

-- A new clock's state as JSON, as clocks_on_events stores it (ids are plain:
-- letters, digits, '_', '.', '-'; times and durations whole ms, as text),
-- built in one concatenation: string.format would call sprintf for each of
-- its items, and every string Lua makes is hashed and collected.
local function clock_json(due_s, dur_s, cal, owner, stopped, pool)
  return '{"started_at":' .. NOW_S .. ',"due_at":' .. due_s .. ',"duration":' .. dur_s ..
    (cal ~= '' and ',"calendar":"' .. cal .. '"' or '') ..
    (owner and ',"owner":"' .. owner .. '"' or '') ..
    (stopped and ',"stopped_at":' .. NOW_S or '') .. ',"pool":"' .. pool .. '"}'
end

-- A new lead's clocks through its two events, received and its status,
-- exactly as clocks_on_events runs them for a fresh lead. durs: the lead's
-- own duration (ms as text; '0' for none: its pool's, else the clock's) for
-- each clock of the plan. Returns the lead's
-- hash fields (clk:<name>, JSON), the deadlines as ZADD arguments, the clocks
-- as one JSON object, and the clocks stopped at once (met, as route_met
-- puts them on the lead's status event). owner: nil when it has none.
local function clocks_new_lead(lead_id, status, owner, pool, plan, durs)
  local hset, zadd, all, met = {}, {}, {}, {}
  local status_stop = ',' .. status .. ','
  for k, c in ipairs(plan) do
    local started, stopped, due, dur_s, cal = false, false, 0, '0', ''
    for step = 1, 2 do
      local ev = step == 1 and 'received' or status
      if started and not stopped and
        string.find(c.stops, step == 1 and ',received,' or status_stop, 1, true) then
        stopped = true
        met[#met + 1] = c.name
      end
      if c.start == ev then
        dur_s = durs[k] ~= '0' and durs[k] or plan_lookup(c.pool_durs, pool)
        local dur = dur_s and tonumber(dur_s) or c.dur_n
        dur_s = dur_s or c.dur
        cal = ''
        if c.cal == 'owner' then
          cal = plan_lookup(plan.rep_cals, owner) or ''
        elseif c.cal == 'pool' then
          cal = plan_lookup(plan.pool_cals, pool) or ''
        elseif c.cal == 'named' then
          cal = c.calendar
        end
        started, stopped, due = true, false, cal_add(cal, NOW, dur)
      end
    end
    if started then
      local due_s = num_text(due)
      local json = clock_json(due_s, dur_s, cal, owner, stopped, pool)
      hset[#hset + 1] = 'clk:' .. c.name
      hset[#hset + 1] = json
      all[#all + 1] = '"' .. c.name .. '":' .. json
      if not stopped then
        zadd[#zadd + 1] = due_s
        zadd[#zadd + 1] = c.name .. ':' .. lead_id
        local first = due
        if c.remind > 0 and due - c.remind > NOW then
          first = due - c.remind
          zadd[#zadd + 1] = num_text(first)
          zadd[#zadd + 1] = 'remind:' .. c.name .. ':' .. lead_id
        end
        if NEXT_DEADLINE == nil or first < NEXT_DEADLINE then NEXT_DEADLINE = first end
      end
    end
  end
  return hset, zadd, '{' .. table.concat(all, ',') .. '}', met
end

-- A new lead's clocks met at once (the route clock, stopped by its
-- assignment) go on the stream entry of its status event (not its history,
-- see record) as met: the clock names, comma-separated; the scorecard counts
-- each as met, for the rep of that entry (one entry where a clock entry each
-- used to be).
local function route_met(status_extra, met)
  if #met > 0 then status_extra.stream = { 'met', table.concat(met, ',') } end
end
