-- uses: keys, events, person, index
-- erase.lua: erase everything about a person, named by any of their
-- identities (the keyed hashes of an email, a phone, a CRM id): every
-- identity their person record links, their person record, their leads'
-- records, queue places, open slots, clock deadlines, idempotency keys,
-- sticky contact keys, scorecard entries and search index entries; then
-- leave a tombstone per identity so a late webhook retry cannot bring them
-- back, whichever identity it carries.
-- Scorecard aggregates hold counts only and stay.
--
-- ARGV[4] subjects (comma-separated keyed hashes), [5] tombstone lifetime
-- (ms), [6] clock names (comma-separated), [7] contact keys (comma-separated,
-- '' for none), [8] '1' when a subscription wants lead.erased (then an entry
-- with the lead's id, and nothing else, stays in the event stream for it).
-- Returns {leads erased, their ids comma-separated}.
local subjects, tomb_ms, clock_names, contacts = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local told = ARGV[8] == '1'
local erased = {}
local seen = {}

local function erase_lead(id)
  local lk = P .. ':lead:' .. id
  local h = redis.call('HMGET', lk, 'status', 'owner', 'pool', 'esc_open', 'idem', 'company_ix',
    'received_at')
  local status, owner, pool = h[1], h[2], h[3]
  if not status then return end   -- expired already
  if status == 'assigned' then
    redis.call('HINCRBY', K_REP_OPEN, owner, -1)
    redis.call('HINCRBY', K_POOL_OPEN, pool, -1)
  elseif status == 'queued' and pool then
    redis.call('ZREM', key('pool', pool, 'queue'), id)
  end
  for name in string.gmatch(clock_names, '[^,]+') do
    redis.call('ZREM', K_DEADLINES, name .. ':' .. id, 'remind:' .. name .. ':' .. id)
  end
  for esc in string.gmatch(h[4] or '', '([^:,]+):[^,]*') do
    redis.call('ZREM', K_DEADLINES, 'esc:' .. esc)
  end
  redis.call('ZREM', key('sc', 'untouched'), id)
  index_drop(id, owner, h[6], h[7])
  if h[5] then redis.call('DEL', key('idem', h[5])) end
  redis.call('DEL', lk)
  -- For subscribers: only the id, as nothing else about the person is left.
  if told then stream_add('erased', { 'lead', id }) end
  erased[#erased + 1] = id
end

-- Every identity of the people named, and their people's own lead lists.
local idents, listed = {}, {}
local function add_ident(h)
  if not listed[h] then
    listed[h] = true
    idents[#idents + 1] = h
  end
end
for h in string.gmatch(subjects, '[^,]+') do add_ident(h) end
local n = 1
while n <= #idents do
  local pid, solo = person_find(idents[n])
  if pid then
    local ids, leads = person_leads(pid, solo)
    for h in string.gmatch(ids, '[^,]+') do add_ident(h) end
    for _, id in ipairs(leads) do
      if not seen[id] then
        seen[id] = true
        erase_lead(id)
      end
    end
    redis.call('DEL', key('person', pid))
  end
  n = n + 1
end

for _, h in ipairs(idents) do
  redis.call('DEL', key('who', h))
  local sk = key('subj', h)
  for _, id in ipairs(redis.call('SMEMBERS', sk)) do
    if not seen[id] then
      seen[id] = true
      erase_lead(id)
    end
  end
  redis.call('DEL', sk)
  redis.call('SET', key('tomb', h), NOW, 'PX', tomb_ms)
end
for c in string.gmatch(contacts, '[^,]+') do redis.call('DEL', key('contact', c)) end
return { #erased, table.concat(erased, ',') }
