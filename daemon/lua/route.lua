-- route.lua: store a new lead and assign it, or queue it when no rep is available.
-- ARGV[4] lead id, [5] idempotency key or '', [6] idempotency window (ms),
-- [7] routing SLA (ms), [8] first-touch SLA (ms), [9] pool, [10] rule,
-- [11] n, then n field, value pairs the daemon computed (fields, score,
-- decision …) stored with the lead as they are, then the pool's open-lead
-- cap (0: none), then its candidates (see read_candidates).
-- Returns {1, 'assigned', received_at, route_due, owner, first_touch_due, trace}
-- or {1, 'queued', received_at, route_due, trace} for a new lead, or {0, the
-- stored lead as field, value, ...} for a repeat.
local id, idem = ARGV[4], ARGV[5]
local pool, rule = ARGV[9], ARGV[10]
local ft_sla = tonumber(ARGV[8])

if idem ~= '' then
  local ik = key('idem', idem)
  local prev = redis.call('GET', ik)
  if prev then
    local h = redis.call('HGETALL', P .. ':lead:' .. prev)
    if #h > 0 then return { 0, h } end
  end
  redis.call('SET', ik, id, 'PX', ARGV[6])
end

local nattrs = tonumber(ARGV[11])
local attrs = {}
for i = 12, 11 + 2 * nattrs do attrs[#attrs + 1] = ARGV[i] end
local pool_max_open = tonumber(ARGV[12 + 2 * nattrs])
local cands = read_candidates(13 + 2 * nattrs)

local route_due = NOW + tonumber(ARGV[7])
local lk = P .. ':lead:' .. id
local rep, reasons = pick_rep(pool, cands, pool_max_open, false)
local trace = reasons_text(cands, reasons)
if rep then
  local due = NOW + ft_sla
  local history = record(id, 'received', { 'pool', pool, 'rule', rule },
    'assigned', { 'rep', rep.id, 'pool', pool })
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW,
    'route_due', route_due, 'ft_sla', ft_sla, 'status', 'assigned', 'owner', rep.id,
    'assigned_at', NOW, 'ft_due', due, 'trace', trace, 'events', '[' .. history .. ']',
    unpack(attrs))
  start_first_touch(id, rep, pool, due)
  return { 1, 'assigned', NOW, route_due, rep.id, due, trace }
end
-- Nobody to take it: it waits in the pool's queue, in arrival order.
local seq = redis.call('INCR', key('seq'))
local history = record(id, 'received', { 'pool', pool, 'rule', rule }, 'queued', { 'pool', pool })
redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW,
  'route_due', route_due, 'ft_sla', ft_sla, 'status', 'queued', 'trace', trace,
  'events', '[' .. history .. ']', unpack(attrs))
redis.call('ZADD', key('pool', pool, 'queue'), seq, id)
redis.call('ZADD', key('deadlines'), route_due, 'route:' .. id)
return { 1, 'queued', NOW, route_due, trace }
