-- uses: keys
-- sub_lease.lua: take a subscription's events due for another attempt (see
-- sub_settle.lua for how they got there). Like outbox_lease: leasing counts
-- the attempt and pushes the due time past the attempt's end, so other
-- daemons skip it; a daemon that dies leaves the lease to run out.
-- ARGV[4] subscription id, [5] most events to take, [6] lease length in ms.
-- Returns {jobs = [{id, type, body, attempts}], next = the earliest due time
-- left (-1: none)}.
local sub, limit, lease = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local rk = key('sub', sub, 'retry')
local jobs = {}
local due = {}
if limit > 0 then
  due = redis.call('ZRANGEBYSCORE', rk, '-inf', NOW, 'LIMIT', 0, limit)
end
for _, eid in ipairs(due) do
  local jk = key('sub', sub, 'job', eid)
  local h = redis.call('HMGET', jk, 'type', 'body')
  if not h[2] then
    redis.call('ZREM', rk, eid)	-- purged meanwhile: nothing left to send
  else
    local attempts = redis.call('HINCRBY', jk, 'attempts', 1)
    redis.call('ZADD', rk, NOW + lease, eid)
    jobs[#jobs + 1] = { id = eid, type = h[1], body = h[2], attempts = attempts }
  end
end
local nxt = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
return cjson.encode({ jobs = jobs, next = tonumber(nxt[2]) or -1 })
