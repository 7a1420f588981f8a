-- uses: keys, events, rotation, clocks, assign
-- rep_status.lua: set a rep's availability; when available, drain its pools.
-- ARGV[4] rep, [5] status (available, away, ooo or ooo:<until ms>), [6] most
-- leads to assign, [7...] the rep's pools (see read_pools).
local rep, status = ARGV[4], ARGV[5]
local prev = redis.call('HGET', key('rep_status'), rep) or 'available'
redis.call('HSET', key('rep_status'), rep, status)
if prev ~= status then
  stream_add('rep_status', { 'rep', rep, 'status', status, 'previous', prev })
end
local out = {}
local more = false
if status == 'available' then
  more = drain_pools(read_pools(7), tonumber(ARGV[6]), out)
end
return cjson.encode({ status = status, previous = prev, assigned = out, more = more,
  next = NEXT_DEADLINE or -1 })
