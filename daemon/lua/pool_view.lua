-- uses: keys, rotation, pool
-- pool_view.lua: a pool's rotation as it stands, changing nothing.
-- ARGV[4] pool, [5] its open-lead cap, [6...] its candidates (see read_candidates).
-- Returns JSON: the rep the next lead would go to, and for each rep its reason,
-- pass, last pick, open leads, leads today and raw status, with the pool's
-- open and queued counts.
local pool = ARGV[4]
local cands = read_candidates(6)
local s = pool_standing(pool, cands, tonumber(ARGV[5]))
local out = { next = s.next or cjson.null, reps = {}, pool_open = s.open, queued = s.queued }
local rk = key('pool', pool, 'rotation')
local vt = tonumber(redis.call('HGET', rk, '~vt')) or 0
for i, c in ipairs(cands) do
  local st = redis.call('HMGET', rk, c.id, c.id .. '~n')
  local pass = tonumber(st[1]) or vt
  if pass < vt then pass = vt end
  local today = 0
  if c.day ~= '' then today = tonumber(redis.call('GET', key('rep_day', c.id, c.day))) or 0 end
  out.reps[i] = { id = c.id, reason = s.reasons[i], pass = pass, last = tonumber(st[2]) or 0,
    open = tonumber(redis.call('HGET', key('rep_open'), c.id)) or 0, today = today,
    status = redis.call('HGET', key('rep_status'), c.id) or 'available' }
end
return cjson.encode(out)
