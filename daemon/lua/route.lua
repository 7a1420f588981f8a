-- uses: keys, events, rotation, clocks, idempotency, person
-- route.lua: store a new lead and give it an owner: its contact's current
-- owner (sticky), else the first eligible target of its rule, else queue it;
-- or keep it for nurture. With dry set, decide and change nothing (simulate).
--
-- ARGV[4] lead id, [5] idempotency key or '', [6] the lead's fingerprint
-- (see idempotency.lua), [7] idempotency window (ms),
-- [8] the lead's own clock durations as JSON {clock: ms} ('' for none: its
-- rule's, else its grade's), [9] rule, [10] dry (1/0), [11] the keyed hashes
-- of its email and phone, comma-separated ('' for none: see pii.h), [12] how
-- long its record is kept (ms), [13] a new person id (used when none of
-- the lead's identities names a person yet), [14] the kinds of [11]'s hashes
-- (email, phone, crm; comma-separated, in the same order),
-- [15] n, then n field, value pairs the daemon computed (fields, score, …)
-- stored with the lead as they are; then:
--   contact key ('' without an email) and the sticky window (ms, 0: off),
--   rep facts ',id:in_hours:max_open:max_day:day,…' ('' when not needed),
--   the email's domain and its parents, comma-separated ('' without),
--   the queue pool ('' to nurture) and its open-lead cap,
--   the number of targets, then each: 'pool', id, cap, candidates (see
--   read_candidates) | 'rep', id, weight, max_open, max_day, day, in_hours |
--   'owner'.
-- Returns {1, status, received_at, owner or '', pool, trace, clocks (JSON),
-- earliest deadline written or 0, person id ('' when dry)} for a new lead, {0, the stored lead as
-- field, value, ...} for a repeat, {2, subject} when its person was erased,
-- or {3, key, lead} when the key's lead came with different fields.
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

-- An erased person stays erased: a late webhook retry must not bring them back.
if not dry and subjects ~= '' then
  for h in string.gmatch(subjects, '[^,]+') do
    if redis.call('EXISTS', key('tomb', h)) == 1 then return { 2, h } end
  end
end

local new_pid, ident_kinds = ARGV[13], ARGV[14]
local i = 15
local nattrs = tonumber(ARGV[i])
local attrs = {}
for j = i + 1, i + 2 * nattrs do attrs[#attrs + 1] = ARGV[j] end
i = i + 2 * nattrs + 1
local contact, sticky_ms = ARGV[i], tonumber(ARGV[i + 1])
local facts, domains = ARGV[i + 2], ARGV[i + 3]
local queue, queue_cap = ARGV[i + 4], tonumber(ARGV[i + 5])
local ntargets = tonumber(ARGV[i + 6])
i = i + 7

local trace = {}
local owner, owner_pool

-- Sticky: a contact whose lead is still open goes back to that lead's owner.
if queue ~= '' and contact ~= '' and sticky_ms > 0 then
  local prev = redis.call('GET', key('contact', contact))
  local h = prev and redis.call('HMGET', P .. ':lead:' .. prev, 'status', 'owner', 'pool')
  if h and (h[1] == 'assigned' or h[1] == 'touched') and h[2] then
    local c = rep_fact(facts, h[2])
    local why = c and rep_check(c, false) or 'not_configured'
    trace[#trace + 1] = 'sticky|' .. prev .. '|' .. h[2] .. '=' .. why
    if why == 'chosen' then owner, owner_pool = c, h[3] end
  end
end

-- The rule's targets in order: the first eligible one takes the lead.
for _ = 1, ntargets do
  local kind = ARGV[i]
  if kind == 'pool' then
    local pool, cap = ARGV[i + 1], tonumber(ARGV[i + 2])
    local cands, nexti = read_candidates(i + 3)
    i = nexti
    if not owner then
      local rep, reasons = pick_rep(pool, cands, cap, dry)
      trace[#trace + 1] = 'pool|' .. pool .. '|' .. reasons_text(cands, reasons)
      if rep then owner, owner_pool = rep, pool end
    end
  elseif kind == 'rep' then
    local c = { id = ARGV[i + 1], weight = tonumber(ARGV[i + 2]), max_open = tonumber(ARGV[i + 3]),
      max_day = tonumber(ARGV[i + 4]), day = ARGV[i + 5], hours = tonumber(ARGV[i + 6]) }
    i = i + 7
    if not owner then
      local why = rep_check(c, true)
      trace[#trace + 1] = 'rep|' .. c.id .. '|' .. c.id .. '=' .. why
      if why == 'chosen' then owner, owner_pool = c, queue end
    end
  else
    i = i + 1
    if not owner then
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
end

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
if dry then
  return { 1, status, NOW, owner and owner.id or '', pool, text, '{}', 0, '' }
end

if idem ~= '' then
  redis.call('SET', key('idem', idem), idem_value(id, fp), 'PX', ARGV[7])
  attrs[#attrs + 1] = 'idem'      -- so erasing the lead can drop its key
  attrs[#attrs + 1] = idem
end
local lk = P .. ':lead:' .. id
-- Its person: whoever any of its identities names, else a new one.
local pid = person_of(subjects) or new_pid
attrs[#attrs + 1] = 'person'
attrs[#attrs + 1] = pid
local ev = { 'pool', pool, 'rule', rule }
-- The lifecycle stage it enters (the daemon sets none for nurture).
for j = 1, #attrs, 2 do
  if attrs[j] == 'stage' then
    ev[#ev + 1] = 'stage'
    ev[#ev + 1] = attrs[j + 1]
  end
end
if owner then
  ev[#ev + 1] = 'rep'
  ev[#ev + 1] = owner.id
end
local events = { 'received', status }
local sla = sla_json ~= '' and cjson.decode(sla_json) or {}
local history
if status == 'assigned' then
  history = record(id, 0, 'received', ev, 'assigned', { 'rep', owner.id, 'pool', pool })
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW, 'seq', 2,
    'sla', sla_json, 'status', 'assigned', 'owner', owner.id, 'owners', owner.id,
    'assigned_at', NOW, 'trace', text, 'events', '[' .. history .. ']', unpack(attrs))
  redis.call('HINCRBY', K_REP_OPEN, owner.id, 1)
  redis.call('HINCRBY', K_POOL_OPEN, pool, 1)
  if owner.max_day > 0 then
    local dk = key('rep_day', owner.id, owner.day)
    redis.call('INCR', dk)
    redis.call('EXPIRE', dk, 259200)
  end
else
  history = record(id, 0, 'received', ev, status, { 'pool', pool })
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW, 'seq', 2,
    'sla', sla_json, 'status', status, 'trace', text, 'events', '[' .. history .. ']',
    unpack(attrs))
end
if status == 'queued' then
  redis.call('ZADD', key('pool', pool, 'queue'), redis.call('INCR', key('seq')), id)
end
-- Retention: the record expires; the subject index finds it for erasure until then.
redis.call('PEXPIRE', lk, retention_ms)
for h in string.gmatch(subjects, '[^,]+') do
  local sk = key('subj', h)
  redis.call('SADD', sk, id)
  redis.call('PEXPIRE', sk, retention_ms)
end
person_link(pid, subjects, ident_kinds, id, retention_ms)
if status ~= 'nurture' and contact ~= '' and sticky_ms > 0 then
  redis.call('SET', key('contact', contact), id, 'PX', sticky_ms)
end
local clocks = clocks_on_events(id, events,
  { owner = owner and owner.id or nil, pool = pool, sla = sla, fresh = true })
return { 1, status, NOW, owner and owner.id or '', pool, text,
  next(clocks) and cjson.encode(clocks) or '{}', NEXT_DEADLINE or 0, pid }
