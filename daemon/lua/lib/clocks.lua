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
-- is marked restart_as, else reassigned), fresh (a new
-- lead, with no clocks yet), cancel (the lead left the sales process: every
-- clock still running stops, neither met nor breached unless already late).
-- A clock started and stopped within one call writes no deadline. dry (with
-- fresh: a simulated lead) works the clocks out and writes nothing. Returns
-- the lead's clocks.
local function clocks_on_events(lead_id, events, ctx)
  local lk = P .. ':lead:' .. lead_id
  local pf = { 'clocks' }
  if ctx.pool and ctx.pool ~= '' then pf[#pf + 1] = 'pool:' .. ctx.pool end
  if ctx.owner then pf[#pf + 1] = 'rep:' .. ctx.owner end
  cfg_prefetch(pf)
  local clocks = cfg_clocks()
  if #clocks == 0 then return {} end
  local state, dirty = {}, {}
  if ctx.fresh then
    for i = 1, #clocks do state[i] = false end
  else
    local fields = {}
    for i, c in ipairs(clocks) do fields[i] = 'clk:' .. c.name end
    local cur = redis.call('HMGET', lk, unpack(fields))
    for i = 1, #clocks do state[i] = cur[i] and cjson.decode(cur[i]) or false end
  end
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
        -- A breach found at its deadline was counted then (sla_claim.lua); a
        -- dry run records no outcome.
        local outcome
        if st.breached and not was_breached then
          outcome = 'breached'
        elseif not st.breached and not restart and not cancel then
          outcome = 'met'
        end
        if outcome and not ctx.dry then clock_outcome(lead_id, c.name, outcome, st.owner) end
        if not st.pending and not ctx.dry then
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
        if not restart and not ctx.fresh then   -- a new lead has no escalations yet
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
      if not ctx.dry then
        deadline_add(st.due_at, c.name .. ':' .. lead_id)
        if c.remind > 0 and st.due_at - c.remind > NOW then
          deadline_add(st.due_at - c.remind, 'remind:' .. c.name .. ':' .. lead_id)
        end
      end
    end
    if dirty[i] then
      hset[#hset + 1] = 'clk:' .. c.name
      hset[#hset + 1] = cjson.encode(st)
    end
    if st then out[c.name] = st end
  end
  if #hset > 0 and not ctx.dry then redis.call('HSET', lk, unpack(hset)) end
  return out
end

-- A lead's own durations (its rule's and grade's), stored with it.
local function lead_sla(lk)
  local raw = redis.call('HGET', lk, 'sla')
  return raw and raw ~= '' and cjson.decode(raw) or {}
end
