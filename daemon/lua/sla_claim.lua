-- sla_claim.lua: claim deadlines that are due and escalate the breached ones.
-- Removing a deadline and recording its escalation happen in one atomic step,
-- so each deadline fires once however many daemons share this Redis.
-- ARGV[4] most deadlines to claim in this call.
local limit = tonumber(ARGV[4])
local dk = key('deadlines')
local due = redis.call('ZRANGEBYSCORE', dk, '-inf', NOW, 'WITHSCORES', 'LIMIT', 0, limit)
local fired = {}
for i = 1, #due, 2 do
  local member, at = due[i], tonumber(due[i + 1])
  redis.call('ZREM', dk, member)
  local kind, id = string.match(member, '^([%w_]+):(.+)$')
  if kind then
    local h = redis.call('HMGET', key('lead', id), 'status', 'owner', 'pool')
    if (kind == 'route' and h[1] == 'queued') or (kind == 'first_touch' and h[1] == 'assigned') then
      local eid = redis.call('INCR', key('seq', 'escalation'))
      local esc = {
        id = tostring(eid), lead = id, kind = kind, pool = h[3],
        owner = h[2] or cjson.null, due_at = at, fired_at = NOW,
      }
      redis.call('HSET', key('escalation'), eid, cjson.encode(esc))
      redis.call('ZADD', key('escalations'), eid, eid)
      emit(id, 'escalated', { 'kind', kind, 'escalation', tostring(eid) })
      fired[#fired + 1] = esc
    end
  end
end
local nxt = redis.call('ZRANGE', dk, 0, 0, 'WITHSCORES')
return cjson.encode({ fired = fired, next = tonumber(nxt[2]) or -1, more = #due == 2 * limit })
