-- uses: keys, events, idempotency, cfg, assign, index
-- crm_owner.lua: the lead's owner changed by hand in the CRM; the lead
-- follows it, recorded as such (by, reason). An assigned lead is reassigned
-- as an escalation would (open counts moved, the clocks of 'assigned' start
-- over for the new owner); a queued one is assigned; a touched one was
-- worked already: it changes hands and its running clocks follow the new
-- owner, no clock restarts and no open count moves.
-- ARGV[4] lead id, [5] the new owner (a rep), [6] who changed it ('crm'),
-- [7] the reason, [8] sender's event id or '', [9] its replay window (ms),
-- [10] the request's fingerprint (see idempotency.lua), [11] the new owner's
-- local date (YYYY-MM-DD, for its leads today).
-- Returns {'ok', changed (1/0), the lead as field, value, ...}, {'replay', 0,
-- the lead}, or {'not_found'}, {'closed', status}, {'idem_conflict', other
-- lead}, {'idem_reused', the lead}.
local id, rep, by, reason, idem, fp = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[10]
local lk = key('lead', id)
local repeat_answer = event_repeat(idem, fp, id, 0)
if repeat_answer then return repeat_answer end
local h = redis.call('HMGET', lk, 'status', 'owner', 'pool', 'owners')
if not h[1] then return { 'not_found' } end
if h[1] == 'closed' or h[1] == 'nurture' then return { 'closed', h[1] } end
local said = { 'by', by, 'reason', reason }
local changed = h[2] ~= rep
if not changed then
  -- Already the owner: nothing to record.
elseif h[1] == 'touched' then
  local owners = (h[4] and h[4] ~= '') and (h[4] .. ',' .. rep) or rep
  redis.call('HSET', lk, 'owner', rep, 'owners', owners)
  index_owner(id, rep, h[2])
  local ev = { 'from', h[2] or '', 'rep', rep, 'pool', h[3] or '' }
  for _, v in ipairs(said) do ev[#ev + 1] = v end
  emit(id, 'reassigned', ev)
  for _, c in ipairs(cfg_clocks()) do
    local raw = redis.call('HGET', lk, 'clk:' .. c.name)
    local st = raw and cjson.decode(raw)
    if st and not st.stopped_at then
      st.owner = rep
      redis.call('HSET', lk, 'clk:' .. c.name, cjson.encode(st))
    end
  end
else
  if h[1] == 'queued' then redis.call('ZREM', key('pool', h[3], 'queue'), id) end
  -- The CRM's choice: no rotation turn, but it counts in the rep's leads today.
  assign_lead(id, { id = rep, max_day = 0, day = ARGV[11] or '' }, h[3] or '',
    h[1] == 'assigned' and h[2] or nil, {}, said)
end
event_remember(idem, id, fp, ARGV[9])
return { 'ok', changed and 1 or 0, redis.call('HGETALL', lk) }
