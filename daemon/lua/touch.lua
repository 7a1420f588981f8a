-- touch.lua: the owner logs a touch; the first one stops the first-touch clock.
-- ARGV[4] lead id, [5] rep, [6] channel or ''.
-- Returns {'ok', first (1/0), the lead as field, value, ...}, or {'not_found'},
-- {'no_owner', status} or {'not_owner', owner}.
local id, rep, channel = ARGV[4], ARGV[5], ARGV[6]
local lk = key('lead', id)
local h = redis.call('HMGET', lk, 'status', 'owner', 'touched_at', 'pool')
if not h[1] then return { 'not_found' } end
if not h[2] then return { 'no_owner', h[1] } end
if h[2] ~= rep then return { 'not_owner', h[2] } end

local first = not h[3]
if first then
  redis.call('HSET', lk, 'status', 'touched', 'touched_at', NOW)
  redis.call('HINCRBY', key('rep_open'), rep, -1)
  redis.call('HINCRBY', key('pool_open'), h[4], -1)
end
redis.call('HINCRBY', lk, 'touches', 1)
local extra = { 'rep', rep }
if channel ~= '' then
  extra[#extra + 1] = 'channel'
  extra[#extra + 1] = channel
end
emit(id, 'touched', extra)
clocks_on_events(id, { 'touched' }, { owner = rep, pool = h[4], sla = lead_sla(lk) })
return { 'ok', first and 1 or 0, redis.call('HGETALL', lk) }
