-- touch.lua: the owner logs a touch; the first one stops the first-touch clock.
-- ARGV[4] lead id, [5] rep, [6] channel or ''.
local id, rep, channel = ARGV[4], ARGV[5], ARGV[6]
local lk = key('lead', id)
local h = redis.call('HMGET', lk, 'status', 'owner', 'touched_at')
if not h[1] then return cjson.encode({ error = 'not_found' }) end
if not h[2] then return cjson.encode({ error = 'no_owner', status = h[1] }) end
if h[2] ~= rep then return cjson.encode({ error = 'not_owner', owner = h[2] }) end

local first = not h[3]
if first then
  redis.call('HSET', lk, 'status', 'touched', 'touched_at', NOW)
  redis.call('ZREM', key('deadlines'), 'first_touch:' .. id)
  redis.call('HINCRBY', key('rep_open'), rep, -1)
end
redis.call('HINCRBY', lk, 'touches', 1)
local extra = { 'rep', rep }
if channel ~= '' then
  extra[#extra + 1] = 'channel'
  extra[#extra + 1] = channel
end
emit(id, 'touched', extra)
return cjson.encode({ first = first, lead = hash_table(redis.call('HGETALL', lk)) })
