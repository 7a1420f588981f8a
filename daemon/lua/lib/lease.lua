-- uses: keys
-- lease.lua: take jobs that are due from a sorted set of job ids (scored by
-- when each is due) for one delivery attempt. Leasing counts the attempt in
-- the job's hash and pushes its due time past the attempt's end, so other
-- daemons sharing this Redis skip it; if the daemon dies before settling,
-- the lease runs out and the job is due again (at least once).

-- zk: the sorted set; job_key(id): the job's hash; fields: what to read of it,
-- the first one always there (a job without it is gone: dropped). Returns
-- {jobs = [{id, attempts, <field> = value or ''}], next = the earliest due time
-- left (-1: none), more = the limit was reached}.
local function lease_due(zk, job_key, fields, limit, lease)
  local jobs, due = {}, {}
  if limit > 0 then
    due = redis.call('ZRANGEBYSCORE', zk, '-inf', NOW, 'LIMIT', 0, limit)
  end
  for _, id in ipairs(due) do
    local jk = job_key(id)
    local h = redis.call('HMGET', jk, unpack(fields))
    if not h[1] then
      redis.call('ZREM', zk, id)	-- its hash is gone: nothing left to send
    else
      local job = { id = id, attempts = redis.call('HINCRBY', jk, 'attempts', 1) }
      for i, f in ipairs(fields) do job[f] = h[i] or '' end
      redis.call('ZADD', zk, NOW + lease, id)
      jobs[#jobs + 1] = job
    end
  end
  local nxt = redis.call('ZRANGE', zk, 0, 0, 'WITHSCORES')
  return { jobs = jobs, next = tonumber(nxt[2]) or -1, more = limit > 0 and #due == limit }
end
