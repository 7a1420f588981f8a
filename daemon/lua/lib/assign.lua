-- uses: keys, events, rotation, clocks, index
-- assign.lua: give leads to reps: one lead, or the queues of pools.

-- Give a lead to a rep: counts, history, and the clocks of 'assigned'. The
-- lead was queued (from is nil) or owned by from (a reassignment). extra:
-- more fields of the lead's hash; said: more fields of the event (who did it).
local function assign_lead(id, rep, pool, from, extra, said)
  local lk = P .. ':lead:' .. id
  redis.call('HINCRBY', K_REP_OPEN, rep.id, 1)
  if from then
    redis.call('HINCRBY', K_REP_OPEN, from, -1)
  else
    redis.call('HINCRBY', K_POOL_OPEN, pool, 1)
  end
  count_day(rep)
  local owners = redis.call('HGET', lk, 'owners')
  owners = (owners and owners ~= '') and (owners .. ',' .. rep.id) or rep.id
  redis.call('HSET', lk, 'status', 'assigned', 'owner', rep.id, 'assigned_at', NOW,
    'owners', owners, unpack(extra or {}))
  index_owner(id, rep.id, from)
  local ev = from and { 'from', from, 'rep', rep.id, 'pool', pool } or { 'rep', rep.id, 'pool', pool }
  for _, v in ipairs(said or {}) do ev[#ev + 1] = v end
  emit(id, from and 'reassigned' or 'assigned', ev)
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
