-- uses: keys, events, rotation, clocks, idempotency, person, index, route_plan
-- route.lua: store a new lead and give it an owner: its contact's previous
-- owner (sticky), else the first eligible target of its rule, else queue it;
-- or keep it for nurture. Or, when its person already has an open lead the
-- daemon chose to join, add the event to that lead's history (re_engaged)
-- instead: no new slot, no new clocks, unless the lead was held in nurture
-- and now qualifies (it is routed) or the event restarts its first touch.
-- With dry set, decide and change nothing (simulate).
--
-- ARGV[4] lead id, [5] idempotency key or '', [6] the lead's fingerprint
-- (see idempotency.lua), [7] idempotency window (ms),
-- [8] the lead's own clock durations as JSON {clock: ms} ('' for none: its
-- rule's, else its grade's), [9] rule, [10] dry (1/0), [11] the keyed hashes
-- of its email and phone, comma-separated ('' for none: see pii.h), [12] how
-- long its record is kept (ms), [13] a new person id (used when none of
-- the lead's identities names a person yet), [14] the kinds of [11]'s hashes
-- (email, phone, crm; comma-separated, in the same order), [15] the person
-- the daemon decided with ('' for none: a first decision assumes a new
-- person) and [16] its ver, [17] the open lead to join
-- ('' for a new lead) and [18] its status as read, [19] the person's
-- behaviour to keep (JSON), [20] '1' when the person is an MQL now, [21] '1'
-- when they just became one, [22] '1' to restart a joined lead's clocks
-- that start on assignment, [23] the event's name and [24] its source, [25]
-- the person's score and [26] grade,
-- [27] n, then n field, value pairs the daemon computed (fields, score, …)
-- stored with the lead as they are; then:
--   contact key ('' without an email or sticky window),
--   the email's domain and its parents, comma-separated ('' without),
--   the lead's own clock durations: their count, then ms each (0 for none;
--   one for each clock of the plan's clock plan),
--   the key of its rule's plan and, when the daemon was asked for it, the
--   plan (route_plan.lua).
-- Returns {1, status, received_at, owner or '', pool, trace, clocks (JSON),
-- earliest deadline written or 0, person id ('' when dry)} for a new lead,
-- {5, the joined lead as field, value, ..., earliest deadline or 0} for a
-- join, {4, the person as person_read gives it ({} for nobody)} when the
-- person is not what the daemon decided with (it decides again), {0, the stored lead as field, value, ...} for a repeat, {2, subject} when its person was erased,
-- or {3, key, lead} when the key's lead came with different fields, or {6}
-- before anything is read when the plan is not known here and was not sent.
local nattrs = tonumber(ARGV[27])
local i = 28 + 2 * nattrs
local contact, domains = ARGV[i], ARGV[i + 1]
local ndurs = tonumber(ARGV[i + 2])
local durs = { unpack(ARGV, i + 3, i + 2 + ndurs) }
local plan = route_plan(ARGV[i + 3 + ndurs], i + 4 + ndurs)
if not plan then return { 6 } end
-- The sticky window (ms as text; '0': off).
local sticky, facts, queue = plan.sticky, plan.facts, plan.queue

local id, idem, fp, sla_json, rule = ARGV[4], ARGV[5], ARGV[6], ARGV[8], ARGV[9]
local dry = ARGV[10] == '1'
local subjects, retention_ms = ARGV[11], ARGV[12]

if idem ~= '' then
  local prev, reused = idem_read(redis.call('GET', key('idem', idem)), fp)
  if prev then
    local lk = P .. ':lead:' .. prev
    if reused then
      if redis.call('EXISTS', lk) == 1 then return { 3, idem, prev } end
    else
      local h = redis.call('HGETALL', lk)
      if #h > 0 then return { 0, h } end
    end
  end
end

local new_pid, ident_kinds = ARGV[13], ARGV[14]
local read_pid, read_ver, join, join_status = ARGV[15], ARGV[16], ARGV[17], ARGV[18]
local behavior, mql_now, became = ARGV[19], ARGV[20], ARGV[21] == '1'
local restart, ev_name, ev_source = ARGV[22] == '1', ARGV[23], ARGV[24]
local score, grade = ARGV[25], ARGV[26]

-- The person as the daemon knew it (nobody, for a first decision), else it
-- decides again with what is there now, which goes back with the answer. An
-- erased person stays erased: a late webhook retry must not bring them back.
local pid, solo, found, erased, ident_list = person_find(subjects, not dry)
if erased then return { 2, erased } end
local stale = (pid or '') ~= read_pid
if not stale and pid then
  stale = (solo and '0' or redis.call('HGET', key('person', pid), 'ver') or '0') ~= read_ver or
    (join ~= '' and redis.call('HGET', P .. ':lead:' .. join, 'status') ~= join_status)
end
if stale then return { 4, pid and person_read(pid, solo) or {} } end
local fresh = pid == nil
pid = pid or new_pid

local attrs = { unpack(ARGV, 28, 27 + 2 * nattrs) }
-- One of the pairs the daemon computed ('' when absent).
local function attr_value(name)
  for j = 1, #attrs, 2 do
    if attrs[j] == name then return attrs[j + 1] end
  end
  return ''
end

-- The owner: sticky, then the rule's targets in order. Returns the owner's
-- facts (or nil), their pool and the decision trace.
local function decide_owner()
  local trace = {}
  local owner, owner_pool

  -- Sticky: a contact whose previous lead had an owner (still open, or
  -- closed and back) goes to that owner.
  if queue ~= '' and contact ~= '' and sticky ~= '0' then
    local prev = redis.call('GET', key('contact', contact))
    local h = prev and redis.call('HMGET', P .. ':lead:' .. prev, 'status', 'owner', 'pool')
    if h and h[1] and h[1] ~= 'queued' and h[1] ~= 'nurture' and h[2] then
      local c = rep_fact(facts, h[2])
      local why = c and rep_check(c, false) or 'not_configured'
      trace[#trace + 1] = 'sticky|' .. prev .. '|' .. h[2] .. '=' .. why
      if why == 'chosen' then owner, owner_pool = c, h[3] end
    end
  end

  for _, t in ipairs(plan.targets) do
    if owner then break end
    if t.kind == 'pool' then
      local rep, reasons = pick_rep(t.pool, t.cands, t.cap, dry)
      trace[#trace + 1] = 'pool|' .. t.pool .. '|' .. reasons_text(t.cands, reasons)
      if rep then owner, owner_pool = rep, t.pool end
    elseif t.kind == 'rep' then
      local c = t.rep
      local why = rep_check(c, true)
      trace[#trace + 1] = 'rep|' .. c.id .. '|' .. c.id .. '=' .. why
      if why == 'chosen' then owner, owner_pool = c, queue end
    else
      local found, domain
      for d in string.gmatch(domains, '[^,]+') do
        found = redis.call('HGET', key('account_owner'), d)
        if found then domain = d break end
      end
      if not found then
        trace[#trace + 1] = 'owner|' .. (domains ~= '' and string.match(domains, '^[^,]+') or '') .. '|no_account'
      else
        local c = rep_fact(facts, found)
        local why = c and rep_check(c, true) or 'not_configured'
        trace[#trace + 1] = 'owner|' .. domain .. '|' .. found .. '=' .. why
        if why == 'chosen' then owner, owner_pool = c, queue end
      end
    end
  end
  return owner, owner_pool, trace
end

-- Take a slot of the owner's (and count the lead in their day) for a lead.
local function take_slot(owner, pool)
  redis.call('HINCRBY', K_REP_OPEN, owner.id, '1')
  redis.call('HINCRBY', K_POOL_OPEN, pool, '1')
  count_day(owner)
end

-- What the person's record keeps of this decision.
local function person_state()
  local st = { 'behavior', behavior, 'mql', mql_now, 'score', score, 'grade', grade }
  if became then
    st[#st + 1] = 'mql_at'
    st[#st + 1] = NOW_S
  end
  return st
end

-- A repeat of a person with an open lead joins it.
if join ~= '' and not dry then
  local sla = sla_json ~= '' and cjson.decode(sla_json) or {}
  local jk = P .. ':lead:' .. join
  local h = redis.call('HMGET', jk, 'owner', 'pool', 'sla', 'stage', 'company_ix', 'received_at')
  local cur_owner, cur_pool = h[1] or nil, h[2] or nil
  local now_owner = cur_owner or ''
  if idem ~= '' then redis.call('SET', key('idem', idem), idem_value(join, fp), 'PX', ARGV[7]) end
  local re = { 'event', ev_name, 'source', ev_source, 'score', score }
  local evs = { 're_engaged', re }
  local mql_ev = { 'score', score }
  if became then
    -- The open lead was no MQL (its mql field is the person's, kept in step
    -- by every decision): it qualifies now, at the person's grade.
    mql_ev[#mql_ev + 1] = 'mql'
    mql_ev[#mql_ev + 1] = grade
    evs[#evs + 1] = 'became_mql'
    evs[#evs + 1] = mql_ev
  end
  local clock_events, ctx
  if join_status == 'nurture' and not h[4] and queue ~= '' then
    -- Held in nurture until now: route it as if it arrived now, into its stage.
    local owner, owner_pool, trace = decide_owner()
    local stage = attr_value('stage')
    local status = owner and 'assigned' or 'queued'
    local pool = owner_pool or queue
    if not owner then trace[#trace + 1] = 'queue|' .. queue .. '|' end
    redis.call('HSET', jk, 'status', status, 'pool', pool, 'rule', rule, 'sla', sla_json,
      'trace', table.concat(trace, ';'))
    if owner then
      now_owner = owner.id
      redis.call('HSET', jk, 'owner', owner.id, 'owners', owner.id, 'assigned_at', NOW_S)
      take_slot(owner, pool)
      index_owner(join, owner.id)
      evs[#evs + 1] = 'assigned'
      evs[#evs + 1] = { 'rep', owner.id, 'pool', pool, 'rule', rule }
    else
      redis.call('ZADD', key('pool', pool, 'queue'), redis.call('INCR', key('seq')), join)
      evs[#evs + 1] = 'queued'
      evs[#evs + 1] = { 'pool', pool, 'rule', rule }
    end
    push_opt(evs[#evs], 'stage', stage)
    clock_events = { 'received', status }
    ctx = { owner = owner and owner.id or nil, pool = pool, sla = sla }
    if contact ~= '' and sticky ~= '0' then
      redis.call('SET', key('contact', contact), join, 'PX', sticky)
    end
  elseif restart and cur_owner and (join_status == 'assigned' or join_status == 'touched') then
    -- Higher intent on a worked lead asks for a new first touch.
    re[#re + 1] = 'restarts'
    re[#re + 1] = 'assigned'
    clock_events = { 'assigned' }
    ctx = { owner = cur_owner, pool = cur_pool, restart = true, restart_as = 'restarted',
      sla = h[3] and h[3] ~= '' and cjson.decode(h[3]) or {} }
  end
  push_opt(re, 'rep', now_owner)
  push_opt(mql_ev, 'rep', now_owner)
  local linked, elsewhere = person_link(pid, fresh, solo, found, ident_list, ident_kinds, join,
    retention_ms, person_state())
  push_opt(re, 'linked', linked)
  push_opt(re, 'not_linked', elsewhere)
  redis.call('HSET', jk, unpack(attrs))
  -- The company index follows the lead's latest company.
  local company = attr_value('company_ix')
  if company ~= (h[5] or '') then
    index_drop(join, nil, h[5], h[6])
    index_company(join, company, tonumber(h[6]) or NOW)
    if company == '' then redis.call('HDEL', jk, 'company_ix') end
  end
  emit(join, unpack(evs))
  if clock_events then clocks_on_events(join, clock_events, ctx) end
  redis.call('PEXPIRE', jk, retention_ms)
  return { 5, redis.call('HGETALL', jk), NEXT_DEADLINE or 0 }
end

local owner, owner_pool, trace = decide_owner()
local status
if queue == '' then
  status = 'nurture'
  trace[#trace + 1] = 'nurture||'
elseif owner then
  status = 'assigned'
else
  status = 'queued'
  trace[#trace + 1] = 'queue|' .. queue .. '|'
end
local pool = owner_pool or queue
local text = table.concat(trace, ';')
-- Its clocks, from its plan's clock plan and its own durations.
local clk_fields, deadlines, clocks, met = clocks_new_lead(id, status, owner and owner.id or nil,
  pool, plan.clocks, durs)
if dry then
  -- The clocks it would start, with their due times, written nowhere.
  return { 1, status, NOW, owner and owner.id or '', pool, text, clocks, 0, '' }
end
for j = 1, #clk_fields do attrs[#attrs + 1] = clk_fields[j] end

if idem ~= '' then
  redis.call('SET', key('idem', idem), idem_value(id, fp), 'PX', ARGV[7])
  attrs[#attrs + 1] = 'idem'      -- so erasing the lead can drop its key
  attrs[#attrs + 1] = idem
end
local lk = P .. ':lead:' .. id
attrs[#attrs + 1] = 'person'
attrs[#attrs + 1] = pid
local ev = { 'pool', pool, 'rule', rule }
-- The lifecycle stage it enters (the daemon sets none for nurture).
push_opt(ev, 'stage', attr_value('stage'))
if owner then
  ev[#ev + 1] = 'rep'
  ev[#ev + 1] = owner.id
end
-- A known person's new lead, for the scorecard's count of people (the
-- common first lead writes nothing more); an identity seen for the first
-- time with a known one, linked to their person.
if not fresh then
  ev[#ev + 1] = 'returning'
  ev[#ev + 1] = '1'
end
-- A lead passed as an MQL, with the grade it qualified at ('' for none):
-- marketing's qualified leads in the scorecard.
if mql_now == '1' then
  ev[#ev + 1] = 'mql'
  ev[#ev + 1] = grade
end
-- (A new person has no record: nothing of person_state is written.)
local linked, elsewhere = person_link(pid, fresh, solo, found, ident_list, ident_kinds, id,
  retention_ms, not fresh and person_state() or nil)
-- A new person's identities, kept with their one lead until they have a record.
if fresh and subjects ~= '' then
  attrs[#attrs + 1] = 'idents'
  attrs[#attrs + 1] = subjects
end
push_opt(ev, 'linked', linked)
push_opt(ev, 'not_linked', elsewhere)
local evs = { 'received', ev }
if became then
  evs[#evs + 1] = 'became_mql'
  evs[#evs + 1] = { 'score', score, 'rep', owner and owner.id or '' }
end
if status == 'assigned' then
  evs[#evs + 1] = 'assigned'
  evs[#evs + 1] = { 'rep', owner.id, 'pool', pool }
  route_met(evs[#evs], met)
  local history, seq = record(id, 0, unpack(evs))
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW_S,
    'seq', num_text(seq), 'sla', sla_json, 'status', 'assigned', 'owner', owner.id,
    'owners', owner.id, 'assigned_at', NOW_S, 'trace', text, 'events', '[' .. history .. ']',
    unpack(attrs))
  take_slot(owner, pool)
  index_owner(id, owner.id)
else
  evs[#evs + 1] = status
  evs[#evs + 1] = { 'pool', pool }
  route_met(evs[#evs], met)
  local history, seq = record(id, 0, unpack(evs))
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW_S,
    'seq', num_text(seq), 'sla', sla_json, 'status', status, 'trace', text,
    'events', '[' .. history .. ']', unpack(attrs))
end
if status == 'queued' then
  redis.call('ZADD', key('pool', pool, 'queue'), redis.call('INCR', key('seq')), id)
end
-- Retention: the record expires; its person's record finds it for erasure until then.
redis.call('PEXPIRE', lk, retention_ms)
index_company(id, attr_value('company_ix'), NOW)
if status ~= 'nurture' and contact ~= '' and sticky ~= '0' then
  redis.call('SET', key('contact', contact), id, 'PX', sticky)
end
if #deadlines > 0 then redis.call('ZADD', K_DEADLINES, unpack(deadlines)) end
return { 1, status, NOW, owner and owner.id or '', pool, text, clocks, NEXT_DEADLINE or 0, pid }
