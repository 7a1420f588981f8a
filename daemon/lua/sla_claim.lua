-- uses: keys, events, rotation, cfg, esc, clocks, assign, notify
-- sla_claim.lua: claim the deadlines that are due and act on each: a clock
-- breached (an escalation opens), a reminder before a breach, or the next
-- level of an open escalation. Removing a deadline and acting on it happen in
-- one atomic step, so each fires once however many daemons share this Redis.
-- ARGV[4] most deadlines to claim in this call, [5...] the pools, for
-- reassignment (see read_pools).
-- Returns {fired = [{what, ...}], next = earliest deadline left or -1,
-- more = true when it stopped at the limit, notified = jobs queued}.
local limit = tonumber(ARGV[4])
local pools = {}
for _, p in ipairs(read_pools(5)) do pools[p.id] = p end
local fired = {}

local function clock_state(id, c)
  local raw = redis.call('HGET', P .. ':lead:' .. id, 'clk:' .. c.name)
  return raw and cjson.decode(raw) or nil
end

-- Reassign the lead of an escalation to the next eligible rep of its pool who
-- never owned it. Returns the rep id, or nil and why not.
local function reassign(esc)
  local lk = P .. ':lead:' .. esc.lead
  local h = redis.call('HMGET', lk, 'status', 'owner', 'pool', 'owners')
  if h[1] ~= 'assigned' and h[1] ~= 'queued' then return nil, 'lead_' .. (h[1] or 'gone') end
  local pool = pools[h[3]]
  if not pool then return nil, 'pool_not_configured' end
  local before = {}
  for o in string.gmatch(h[4] or '', '[^,]+') do before[o] = true end
  local cands = {}
  for _, c in ipairs(pool.reps) do
    if not before[c.id] then cands[#cands + 1] = c end
  end
  local rep = pick_rep(pool.id, cands, pool.max_open, false)
  if not rep then return nil, 'no_eligible_rep' end
  if h[1] == 'queued' then redis.call('ZREM', key('pool', pool.id, 'queue'), esc.lead) end
  assign_lead(esc.lead, rep, pool.id, h[1] == 'assigned' and h[2] or nil, {})
  return rep.id
end

-- Fire the levels of an open escalation that are due, and wake up for the next.
local function advance(esc)
  local levels = cfg_pool(esc.pool).levels or cfg_get('levels') or {}
  esc.levels = #levels
  while esc.level < #levels and esc.breached_at + levels[esc.level + 1].after <= NOW do
    local n = esc.level + 1
    local lv = levels[n]
    local action = { level = n, at = NOW, notify = lv.notify }
    local data = { escalation = esc.id, level = n, levels = #levels, lead = esc.lead,
      clock = esc.clock, pool = esc.pool, owner = esc.owner, due_at = esc.due_at,
      breached_at = esc.breached_at, action = lv.reassign and 'reassign' or 'notify' }
    if lv.reassign then
      local to, why = reassign(esc)
      action.reassigned_to = to
      action.reassign_failed = why
      data.new_owner = to or cjson.null
      data.reassign_failed = why
    end
    notify_all(lv.notify, type(esc.owner) == 'string' and esc.owner or nil, esc.pool,
      'escalation.level', data)
    esc.level = n
    esc.actions[#esc.actions + 1] = action
    emit(esc.lead, 'escalation_level', { 'escalation', esc.id, 'level', n })
    esc_publish('escalation_level', esc.pool, data)
    fired[#fired + 1] = { what = 'level', escalation = esc.id, lead = esc.lead, level = n,
      pool = esc.pool, reassigned_to = action.reassigned_to,
      reassign_failed = action.reassign_failed }
  end
  if esc.level < #levels then
    esc.next_level_at = esc.breached_at + levels[esc.level + 1].after
    deadline_add(esc.next_level_at, 'esc:' .. esc.id)
  else
    esc.next_level_at = nil
  end
  esc_save(esc)
end

-- Open an escalation for a breach of clock c on lead id, due at at: the
-- record, the breach counted against the pool and the owner, the feed.
local function escalate(c, id, owner, at)
  local lk = P .. ':lead:' .. id
  local pool = redis.call('HGET', lk, 'pool') or ''
  redis.call('HINCRBY', key('sla_breaches'), c.name .. '|pool|' .. pool, 1)
  local eid = tostring(redis.call('INCR', key('seq', 'escalation')))
  local esc = { id = eid, lead = id, clock = c.name, pool = pool, owner = owner or cjson.null,
    due_at = at, breached_at = NOW, status = 'open', level = 0, levels = 0, actions = {} }
  redis.call('ZADD', key('escalations'), eid, eid)
  redis.call('ZADD', key('escalations', 'open'), eid, eid)
  redis.call('ZADD', key('escalations', 'pool', pool), eid, eid)
  local open = redis.call('HGET', lk, 'esc_open')
  redis.call('HSET', lk, 'esc_open', (open and open ~= '') and (open .. ',' .. eid .. ':' .. c.name)
    or (eid .. ':' .. c.name))
  emit(id, 'escalated', { 'clock', c.name, 'escalation', eid, 'rep', owner or '' })
  esc_publish('escalated', pool, { escalation = eid, lead = id, clock = c.name, pool = pool,
    owner = owner or cjson.null, due_at = at })
  fired[#fired + 1] = { what = 'breach', escalation = eid, lead = id, clock = c.name, pool = pool,
    owner = owner, due_at = at }
  if owner then
    redis.call('HINCRBY', key('sla_breaches'), c.name .. '|rep|' .. owner, 1)
    if c.offline > 0 then
      local misses = redis.call('HINCRBY', key('rep_miss_streak'), owner, 1)
      if misses >= c.offline then
        -- Auto-offline: the rep stops getting leads until set available again.
        redis.call('HSET', key('rep_miss_streak'), owner, 0)
        local prev = redis.call('HGET', K_REP_STATUS, owner) or 'available'
        redis.call('HSET', K_REP_STATUS, owner, 'away')
        stream_add('rep_status', { 'rep', owner, 'status', 'away', 'previous', prev,
          'reason', 'auto_offline' })
        local data = { rep = owner, clock = c.name, misses = misses, lead = id }
        emit(id, 'rep_auto_offline', { 'rep', owner, 'misses', misses })
        esc_publish('rep_auto_offline', pool, data)
        notify_all({ 'manager' }, owner, pool, 'rep.auto_offline', data)
        fired[#fired + 1] = { what = 'auto_offline', rep = owner, lead = id, misses = misses }
      end
    end
  end
  return esc
end

-- A clock passed its due time while running: open an escalation and fire its levels.
local function breach(c, id, st, at)
  st.breached = true
  st.breached_at = NOW
  redis.call('HSET', P .. ':lead:' .. id, 'clk:' .. c.name, cjson.encode(st))
  advance(escalate(c, id, st.owner, at))
end

-- A clock stopped by event after its due time, before any claim saw it (see
-- clocks_on_events): its escalation opens now and is resolved by that event at
-- once. Its levels do not fire: the clock they would chase has stopped.
local function breach_owed(c, id, at, event, owner)
  if redis.call('EXISTS', P .. ':lead:' .. id) == 0 then return end   -- erased since
  local esc = escalate(c, id, owner, at)
  local levels = cfg_pool(esc.pool).levels or cfg_get('levels') or {}
  esc.levels = #levels
  esc_close(esc, 'resolved', event, '')
end

local function remind(c, id, st)
  local pool = redis.call('HGET', P .. ':lead:' .. id, 'pool') or ''
  local data = { lead = id, clock = c.name, pool = pool, owner = st.owner or cjson.null,
    due_at = st.due_at }
  notify_all(c.remind_to, st.owner, pool, 'sla.reminder', data)
  emit(id, 'reminded', { 'clock', c.name })
  esc_publish('reminder', pool, data)
  fired[#fired + 1] = { what = 'reminder', lead = id, clock = c.name, due_at = st.due_at }
end

local due = redis.call('ZRANGEBYSCORE', K_DEADLINES, '-inf', NOW, 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #due, 2 do
  local member, at = due[i], tonumber(due[i + 1])
  redis.call('ZREM', K_DEADLINES, member)
  local eid = string.match(member, '^esc:(%d+)$')
  local oname, oid, oevent, oowner = string.match(member, '^owed:([^:]+):([^:]+):%d+:([^:]*):(.*)$')
  if eid then
    local esc = esc_load(eid)
    if esc and esc.status == 'open' then advance(esc) end
  elseif oname then
    local c = cfg_clock(oname)
    if c then breach_owed(c, oid, at, oevent, oowner ~= '' and oowner or nil) end
  else
    local reminder, name, id = false, nil, nil
    name, id = string.match(member, '^remind:([^:]+):(.+)$')
    if name then
      reminder = true
    else
      name, id = string.match(member, '^([^:]+):(.+)$')
    end
    local c = name and cfg_clock(name)
    local st = c and clock_state(id, c)
    -- A clock still running, on the run this deadline was written for.
    if st and not st.stopped_at and not st.breached then
      if reminder then
        remind(c, id, st)
      elseif st.due_at == at then
        breach(c, id, st, at)
      end
    end
  end
end
local nxt = redis.call('ZRANGE', K_DEADLINES, 0, 0, 'WITHSCORES')
return cjson.encode({ fired = fired, next = tonumber(nxt[2]) or -1, more = #due == 2 * limit,
  notified = NOTIFIED })
