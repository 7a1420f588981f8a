-- uses: keys
-- outbox_lease.lua: take notifications that are due, for one delivery attempt.
-- Leasing counts the attempt and pushes the job's due time past the attempt's
-- end, so other daemons sharing this Redis skip it; if the daemon dies before
-- settling, the lease runs out and the job is due again (at least once).
-- ARGV[4] most jobs to take, [5] lease length in ms.
-- Returns {jobs = [{id, to, owner, pool, event, attempts, group}], next = the
-- earliest due time left (-1: none), more = 1 when the limit was reached}.
local limit, lease = tonumber(ARGV[4]), tonumber(ARGV[5])
local ok = key('outbox')
local jobs = {}
local due = {}
if limit > 0 then
  due = redis.call('ZRANGEBYSCORE', ok, '-inf', NOW, 'LIMIT', 0, limit)
end
for _, id in ipairs(due) do
  local nk = key('notification', id)
  local h = redis.call('HMGET', nk, 'to', 'owner', 'pool', 'event', 'group')
  if not h[1] then
    redis.call('ZREM', ok, id)	-- its hash is gone: nothing left to send
  else
    local attempts = redis.call('HINCRBY', nk, 'attempts', 1)
    redis.call('ZADD', ok, NOW + lease, id)
    jobs[#jobs + 1] = { id = id, to = h[1], owner = h[2] or '', pool = h[3] or '',
      event = h[4] or '', attempts = attempts, group = h[5] or '' }
  end
end
local nxt = redis.call('ZRANGE', ok, 0, 0, 'WITHSCORES')
return cjson.encode({ jobs = jobs, next = tonumber(nxt[2]) or -1, more = limit > 0 and #due == limit })
