-- uses: keys, events, idempotency, clocks
-- touch.lua: the owner logs a touch (every one counts toward the follow-up
-- cadence); the first one stops the first-touch clock.
-- ARGV[4] lead id, [5] rep ('': whoever owns the lead, for a CRM that logs
-- an activity without saying who), [6] channel or '', [7] outcome or '',
-- [8] sender's event id or '', [9] its replay window (ms), [10] the request's
-- fingerprint (see idempotency.lua).
-- Returns {'ok', first (1/0), the lead as field, value, ...}, {'replay', 0,
-- the lead} for a repeated event id, or {'not_found'}, {'no_owner', status},
-- {'not_owner', owner}, {'closed', status}, {'idem_conflict', other lead},
-- {'idem_reused', the lead} (the event id came with a different request).
local id, rep, channel, outcome, idem = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local fp = ARGV[10]
local lk = key('lead', id)
local repeat_answer = event_repeat(idem, fp, id, 0)
if repeat_answer then return repeat_answer end
local h = redis.call('HMGET', lk, 'status', 'owner', 'touched_at', 'pool')
if not h[1] then return { 'not_found' } end
if h[1] == 'closed' or (h[1] == 'nurture' and h[2]) then return { 'closed', h[1] } end
if not h[2] then return { 'no_owner', h[1] } end
if rep == '' then rep = h[2] end
if h[2] ~= rep then return { 'not_owner', h[2] } end

local first = not h[3]
if first then
  redis.call('HSET', lk, 'status', 'touched', 'touched_at', NOW)
  redis.call('HINCRBY', key('rep_open'), rep, -1)
  redis.call('HINCRBY', key('pool_open'), h[4], -1)
end
redis.call('HINCRBY', lk, 'touches', 1)
local extra = { 'rep', rep }
push_opt(extra, 'channel', channel)
push_opt(extra, 'outcome', outcome)
if first then push_opt(extra, 'first', 1) end
emit(id, 'touched', extra)
clocks_on_events(id, { 'touched' }, { owner = rep, pool = h[4], sla = lead_sla(lk) })
event_remember(idem, id, fp, ARGV[9])
return { 'ok', first and 1 or 0, redis.call('HGETALL', lk) }
