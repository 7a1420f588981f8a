-- clocks.lua: prepended after common.lua. SLA clocks, escalations and the
-- notification outbox: everything that must change atomically with a lead.
--
-- The daemon publishes what these need from its config into <prefix>:cfg
-- (see sla.c): 'clocks' (the clock list), 'levels' (the default escalation
-- policy), 'pool:<id>' ({cal, sla, levels}) and 'rep:<id>' ({cal}); and each
-- calendar's open hours for the coming weeks as <prefix>:cal:<id>, a sorted
-- set of "start:end" windows (epoch ms) scored by their end.

local K_CFG = P .. ':cfg'
local CFG = {}
local function cfg_get(field)
  local v = CFG[field]
  if v == nil then
    local raw = redis.call('HGET', K_CFG, field)
    v = raw and cjson.decode(raw) or false
    CFG[field] = v
  end
  return v
end

-- Read several fields in one call (the hot path needs three).
local function cfg_prefetch(fields)
  local want = {}
  for _, f in ipairs(fields) do
    if CFG[f] == nil then want[#want + 1] = f end
  end
  if #want == 0 then return end
  local raw = redis.call('HMGET', K_CFG, unpack(want))
  for i, f in ipairs(want) do CFG[f] = raw[i] and cjson.decode(raw[i]) or false end
end

-- The clocks, each with its stop events as a set.
local function cfg_clocks()
  local clocks = cfg_get('clocks') or {}
  if clocks[1] and not clocks[1].stopset then
    for _, c in ipairs(clocks) do
      c.stopset = {}
      for _, e in ipairs(c.stop) do c.stopset[e] = true end
    end
  end
  return clocks
end

local function cfg_clock(name)
  for _, c in ipairs(cfg_clocks()) do
    if c.name == name then return c end
  end
  return nil
end

local function cfg_pool(pool)
  return (pool and pool ~= '' and cfg_get('pool:' .. pool)) or {}
end

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

-- Notification jobs, delivered by the daemons' notifiers (see notify.c).
local NOTIFIED = 0
local function notify_enqueue(to, owner, pool, kind, data)
  local nid = redis.call('INCR', key('seq', 'notification'))
  redis.call('HSET', key('notification', nid), 'id', nid, 'to', to, 'owner', owner or '',
    'pool', pool or '', 'event', cjson.encode({ type = kind, at = NOW, data = data }),
    'created_at', NOW, 'attempts', 0)
  redis.call('ZADD', key('outbox'), NOW, nid)
  NOTIFIED = NOTIFIED + 1
end

local function notify_all(list, owner, pool, kind, data)
  for _, to in ipairs(list or {}) do
    data.recipient = to
    notify_enqueue(to, owner, pool, kind, data)
  end
  data.recipient = nil
end

-- Escalations: one JSON record per id in <prefix>:escalation, indexed by id in
-- <prefix>:escalations (all), :open and :pool:<id>. The lead lists its open
-- ones in esc_open as "id:clock,...".
local function esc_load(eid)
  local raw = redis.call('HGET', key('escalation'), eid)
  return raw and cjson.decode(raw) or nil
end

local function esc_save(esc)
  redis.call('HSET', key('escalation'), esc.id, cjson.encode(esc))
end

local function esc_unlist(lead_id, eid)
  local lk = P .. ':lead:' .. lead_id
  local open = redis.call('HGET', lk, 'esc_open') or ''
  local kept = {}
  for item in string.gmatch(open, '[^,]+') do
    if string.match(item, '^(%d+):') ~= eid then kept[#kept + 1] = item end
  end
  redis.call('HSET', lk, 'esc_open', table.concat(kept, ','))
end

-- Close an open escalation: acknowledged (by someone) or resolved (by a lead event).
local function esc_close(esc, status, by, note)
  esc.status = status
  esc[status .. '_at'] = NOW
  esc[status .. '_by'] = by
  if note and note ~= '' then esc.note = note end
  esc.next_level_at = nil
  esc_save(esc)
  redis.call('ZREM', key('escalations', 'open'), esc.id)
  redis.call('ZREM', K_DEADLINES, 'esc:' .. esc.id)
  esc_unlist(esc.lead, esc.id)
  emit(esc.lead, 'escalation_' .. status, { 'escalation', esc.id, 'by', by })
  esc_publish(status == 'acknowledged' and 'acknowledged' or 'resolved', esc.pool,
    { escalation = esc.id, lead = esc.lead, clock = esc.clock, pool = esc.pool,
      owner = esc.owner, by = by, note = note ~= '' and note or nil })
end

-- A clock stopped: its open escalations on this lead are resolved.
local function esc_resolve_clock(lead_id, clock, event)
  local open = redis.call('HGET', P .. ':lead:' .. lead_id, 'esc_open')
  if not open or open == '' then return end
  for item in string.gmatch(open, '[^,]+') do
    local eid, c = string.match(item, '^(%d+):(.+)$')
    if c == clock then
      local esc = esc_load(eid)
      if esc and esc.status == 'open' then esc_close(esc, 'resolved', event, '') end
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
-- clocks starting on the event start over for the new owner; fresh: a new
-- lead, with no clocks yet), cancel (the lead left the sales process: every
-- clock still running stops, neither met nor breached unless already late).
-- A clock started and stopped within one call writes no deadline. Returns the
-- lead's clocks.
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
        if restart then st.reassigned = true end
        if cancel then st.cancelled = true end
        -- A breach found at its deadline was counted then (sla_claim.lua).
        if st.breached and not was_breached then
          clock_outcome(lead_id, c.name, 'breached', st.owner)
        elseif not st.breached and not restart and not cancel then
          clock_outcome(lead_id, c.name, 'met', st.owner)
        end
        if not st.pending then
          redis.call('ZREM', K_DEADLINES, c.name .. ':' .. lead_id, 'remind:' .. c.name .. ':' .. lead_id)
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

-- Give a lead to a rep: counts, history, and the clocks of 'assigned'. The
-- lead was queued (from is nil) or owned by from (a reassignment).
local function assign_lead(id, rep, pool, from, extra)
  local lk = P .. ':lead:' .. id
  redis.call('HINCRBY', K_REP_OPEN, rep.id, 1)
  if from then
    redis.call('HINCRBY', K_REP_OPEN, from, -1)
  else
    redis.call('HINCRBY', K_POOL_OPEN, pool, 1)
  end
  if rep.max_day > 0 then
    local dk = key('rep_day', rep.id, rep.day)
    redis.call('INCR', dk)
    redis.call('EXPIRE', dk, 259200)
  end
  local owners = redis.call('HGET', lk, 'owners')
  owners = (owners and owners ~= '') and (owners .. ',' .. rep.id) or rep.id
  redis.call('HSET', lk, 'status', 'assigned', 'owner', rep.id, 'assigned_at', NOW,
    'owners', owners, unpack(extra or {}))
  if from then
    emit(id, 'reassigned', { 'from', from, 'rep', rep.id, 'pool', pool })
  else
    emit(id, 'assigned', { 'rep', rep.id, 'pool', pool })
  end
  return clocks_on_events(id, { 'assigned' },
    { owner = rep.id, pool = pool, sla = lead_sla(lk), restart = from ~= nil })
end

-- Assign queued leads of each pool ({id=, max_open=, reps={candidates}}) in
-- arrival order while a rep is eligible, at most limit in all. Appends to out;
-- returns true when it stopped at the limit (so there may be more to do).
local function drain_pools(pools, limit, out)
  for _, pool in ipairs(pools) do
    local qk = key('pool', pool.id, 'queue')
    while true do
      if #out >= limit then return true end
      local head = redis.call('ZRANGE', qk, 0, 0)
      if #head == 0 then break end
      local id = head[1]
      local lh = redis.call('HMGET', key('lead', id), 'status', 'received_at')
      if lh[1] ~= 'queued' then
        redis.call('ZREM', qk, id)
      else
        local rep, reasons = pick_rep(pool.id, pool.reps, pool.max_open, false)
        if not rep then break end
        redis.call('ZREM', qk, id)
        assign_lead(id, rep, pool.id, nil, { 'trace_queue', reasons_text(pool.reps, reasons) })
        out[#out + 1] = { lead = id, rep = rep.id, pool = pool.id,
          waited = NOW - (tonumber(lh[2]) or NOW) }
      end
    end
  end
  return false
end
