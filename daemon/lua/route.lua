-- route.lua: store a new lead and give it an owner: its contact's current
-- owner (sticky), else the first eligible target of its rule, else queue it;
-- or keep it for nurture. With dry set, decide and change nothing (simulate).
--
-- ARGV[4] lead id, [5] idempotency key or '', [6] idempotency window (ms),
-- [7] routing SLA (ms), [8] first-touch SLA (ms), [9] rule, [10] dry (1/0),
-- [11] n, then n field, value pairs the daemon computed (fields, score, …)
-- stored with the lead as they are; then:
--   contact key ('' without an email) and the sticky window (ms, 0: off),
--   rep facts ',id:in_hours:max_open:max_day:day,…' ('' when not needed),
--   the email's domain and its parents, comma-separated ('' without),
--   the queue pool ('' to nurture) and its open-lead cap,
--   the number of targets, then each: 'pool', id, cap, candidates (see
--   read_candidates) | 'rep', id, weight, max_open, max_day, day, in_hours |
--   'owner'.
-- Returns {1, status, received_at, route_due, owner or '', first_touch_due
-- or 0, pool, trace} for a new lead, or {0, the stored lead as field, value,
-- ...} for a repeat.
local id, idem, rule = ARGV[4], ARGV[5], ARGV[9]
local dry = ARGV[10] == '1'
local route_sla, ft_sla = tonumber(ARGV[7]), tonumber(ARGV[8])

if idem ~= '' then
  local prev = redis.call('GET', key('idem', idem))
  if prev then
    local h = redis.call('HGETALL', P .. ':lead:' .. prev)
    if #h > 0 then return { 0, h } end
  end
end

local i = 11
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
local route_due = NOW + route_sla
local pool = owner_pool or queue
local text = table.concat(trace, ';')
if dry then
  return { 1, status, NOW, route_due, owner and owner.id or '', owner and NOW + ft_sla or 0, pool, text }
end

if idem ~= '' then redis.call('SET', key('idem', idem), id, 'PX', ARGV[6]) end
local lk = P .. ':lead:' .. id
local ev = { 'pool', pool, 'rule', rule }
if status == 'assigned' then
  local due = NOW + ft_sla
  local history = record(id, 'received', ev, 'assigned', { 'rep', owner.id, 'pool', pool })
  redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW,
    'route_due', route_due, 'ft_sla', ft_sla, 'status', 'assigned', 'owner', owner.id,
    'assigned_at', NOW, 'ft_due', due, 'trace', text, 'events', '[' .. history .. ']',
    unpack(attrs))
  start_first_touch(id, owner, pool, due)
  if contact ~= '' and sticky_ms > 0 then
    redis.call('SET', key('contact', contact), id, 'PX', sticky_ms)
  end
  return { 1, 'assigned', NOW, route_due, owner.id, due, pool, text }
end
local history = record(id, 'received', ev, status, { 'pool', pool })
redis.call('HSET', lk, 'id', id, 'pool', pool, 'rule', rule, 'received_at', NOW,
  'route_due', route_due, 'ft_sla', ft_sla, 'status', status, 'trace', text,
  'events', '[' .. history .. ']', unpack(attrs))
if status == 'queued' then
  redis.call('ZADD', key('pool', pool, 'queue'), redis.call('INCR', key('seq')), id)
  redis.call('ZADD', key('deadlines'), route_due, 'route:' .. id)
  if contact ~= '' and sticky_ms > 0 then
    redis.call('SET', key('contact', contact), id, 'PX', sticky_ms)
  end
end
return { 1, status, NOW, route_due, '', 0, pool, text }
