-- uses: keys, events, idempotency, clocks
-- stage.lua: move a lead through its lifecycle — the owner accepts it, rejects
-- it with a reason, or anyone moves it on (sql, opportunity, won, lost, ...).
-- The daemon checked the request against the config; this checks it against
-- the lead as it is now, and records the move with its clocks in one step.
--
-- ARGV[4] lead id, [5] action: accept | reject | stage, [6] who (the rep for
-- accept and reject, who must own the lead), [7] the stage to enter,
-- [8] the stages it may be entered from, as ",a,b,", [9] its kind: open,
-- nurture or closed, [10] reason code or '', [11] note or '', [12] amount in
-- cents or '', [13] touches the reason needs (0: none), [14] sender's event
-- id or '', [15] its replay window (ms), [16] the request's fingerprint (see
-- idempotency.lua).
-- Returns {'ok', the lead as field, value, ...}, {'replay', the lead}, or
-- {'not_found'}, {'no_owner', status}, {'not_owner', owner}, {'no_stage',
-- status}, {'conflict', current stage, since (ms) or '', by whom or ''},
-- {'cadence', touches so far}, {'idem_conflict', other lead} or
-- {'idem_reused', the lead} (the event id came with a different request).
local id, action, who, to, from_ok = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local kind, reason, note, amount = ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local need_touches, idem, fp = tonumber(ARGV[13]), ARGV[14], ARGV[16]
local lk = key('lead', id)

local repeat_answer = event_repeat(idem, fp, id)
if repeat_answer then return repeat_answer end
local h = redis.call('HMGET', lk, 'status', 'owner', 'stage', 'pool', 'touches', 'decided_at',
  'amount', 'stage_at', 'stage_by')
local status, owner, cur, pool = h[1], h[2], h[3], h[4]
if not status then return { 'not_found' } end
if action ~= 'stage' then
  if not owner then return { 'no_owner', status } end
  if owner ~= who then return { 'not_owner', owner } end
end
if not cur or cur == '' then return { 'no_stage', status } end
if not string.find(from_ok, ',' .. cur .. ',', 1, true) then
  return { 'conflict', cur, h[8] or '', h[9] or '' }
end
local touches = tonumber(h[5]) or 0
if need_touches > 0 and touches < need_touches then return { 'cadence', touches } end

local fields = { 'stage', to, 'stage_at', NOW, 'stage_by', who }
local ev = { 'from', cur, 'to', to, 'by', who }
push_opt(ev, 'reason', reason)
-- Closed lost: the touches it had, for sales' touches before a loss.
if action == 'stage' and reason ~= '' then
  ev[#ev + 1] = 'touches'
  ev[#ev + 1] = touches
end
push_opt(fields, action == 'reject' and 'reject_reason' or 'reason', reason)
push_opt(ev, 'note', note)
push_opt(fields, 'amount', amount)
-- A deal keeps its amount from stage to stage (won: the opportunity's,
-- unless given another); the history shows it in currency units.
if amount == '' then amount = h[7] or '' end
if amount ~= '' then push_opt(ev, 'amount', tonumber(amount) / 100) end
-- The first decision on a lead is its disposition.
if not h[6] then
  push_opt(fields, 'decided_at', NOW)
  push_opt(ev, 'first_decision', 1)
end
-- Leaving the sales process frees the owner's slot (an untouched lead holds
-- one) and the queue's place.
if kind ~= 'open' then
  if status == 'assigned' then
    redis.call('HINCRBY', K_REP_OPEN, owner, -1)
    redis.call('HINCRBY', K_POOL_OPEN, pool, -1)
  elseif status == 'queued' then
    redis.call('ZREM', key('pool', pool, 'queue'), id)
  end
  push_opt(fields, 'status', kind)
  push_opt(ev, 'closes', 1)
end
redis.call('HSET', lk, unpack(fields))
ev[#ev + 1] = 'rep'
ev[#ev + 1] = owner or ''
local kind_event = action == 'accept' and 'accepted' or action == 'reject' and 'rejected' or 'stage'
emit(id, kind_event, ev)
local events = { to }
if kind_event ~= 'stage' then events = { kind_event, to } end
clocks_on_events(id, events, { owner = owner, pool = pool, sla = lead_sla(lk),
  cancel = kind ~= 'open' })
event_remember(idem, id, fp, ARGV[15])
return { 'ok', redis.call('HGETALL', lk) }
