-- route.lua: store a new lead and assign it, or queue it when no rep is available.
-- ARGV[4] lead id, [5] idempotency key or '', [6] idempotency window (ms),
-- [7] routing SLA (ms), [8] first-touch SLA (ms), [9] pool, [10] rule,
-- [11] fields (JSON), [12...] the pool's reps in rotation order.
local id, idem = ARGV[4], ARGV[5]
local pool, rule = ARGV[9], ARGV[10]

if idem ~= '' then
  local ik = key('idem', idem)
  local prev = redis.call('GET', ik)
  if prev then
    local h = redis.call('HGETALL', key('lead', prev))
    if #h > 0 then
      return cjson.encode({ created = false, lead = hash_table(h) })
    end
  end
  redis.call('SET', ik, id, 'PX', ARGV[6])
end

local reps = {}
for i = 12, #ARGV do reps[#reps + 1] = ARGV[i] end

local seq = redis.call('INCR', key('seq'))
local route_due = NOW + tonumber(ARGV[7])
redis.call('HSET', key('lead', id), 'id', id, 'pool', pool, 'rule', rule,
  'received_at', NOW, 'route_due', route_due, 'ft_sla', ARGV[8],
  'fields', ARGV[11], 'seq', seq, 'status', 'received')
emit(id, 'received', { 'pool', pool, 'rule', rule })

local out = { created = true, received_at = NOW, route_due = route_due }
local rep = pick_rep(pool, reps)
if rep then
  out.status = 'assigned'
  out.owner = rep
  out.assigned_at = NOW
  out.ft_due = assign(id, rep, pool, tonumber(ARGV[8]))
else
  redis.call('HSET', key('lead', id), 'status', 'queued')
  redis.call('ZADD', key('pool', pool, 'queue'), seq, id)
  redis.call('ZADD', key('deadlines'), route_due, 'route:' .. id)
  emit(id, 'queued', { 'pool', pool })
  out.status = 'queued'
end
return cjson.encode(out)
