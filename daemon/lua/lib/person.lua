-- uses: keys
-- person.lua: the person a lead belongs to, found by any of its identities
-- (the keyed hashes of an email, a phone, a CRM id: P:who:<hash> → person id)
-- and the record that ties them together (P:person:<id>).

-- A person keeps this many of its latest leads' ids.
local PERSON_MAX_LEADS = 50

-- The person any of the comma-separated identity hashes names, or nil.
local function person_of(idents)
  for h in string.gmatch(idents, '[^,]+') do
    local pid = redis.call('GET', key('who', h))
    if pid then return pid end
  end
  return nil
end

-- A lead is open while it is in the sales process or held in nurture.
local function lead_open(status)
  return status == 'queued' or status == 'assigned' or status == 'touched' or status == 'nurture'
end

-- Tie a lead and its identities (hashes, with their kinds: comma-separated
-- and in the same order) to person pid, creating the record when new, and
-- set the fields of state (a flat list: behaviour, score, …). An identity
-- that already names another person stays with it. Returns the kinds newly
-- linked to an existing person (for the lead's history), as a list.
local function person_link(pid, idents, kinds, lead_id, keep_ms, state)
  local pk = key('person', pid)
  local h = redis.call('HMGET', pk, 'ids', 'leads', 'ver')
  local fresh = h[1] == false
  local ids, leads = h[1] or '', h[2] or ''
  local linked = {}
  local kind_list = {}
  for k in string.gmatch(kinds, '[^,]+') do kind_list[#kind_list + 1] = k end
  local n = 0
  for ident in string.gmatch(idents, '[^,]+') do
    n = n + 1
    local wk = key('who', ident)
    local owner = redis.call('GET', wk)
    if not owner or owner == pid then
      redis.call('SET', wk, pid, 'PX', keep_ms)
      if not string.find(',' .. ids .. ',', ',' .. ident .. ',', 1, true) then
        ids = ids == '' and ident or ids .. ',' .. ident
        if not fresh then linked[#linked + 1] = kind_list[n] or 'id' end
      end
    end
  end
  if not string.find(',' .. leads .. ',', ',' .. lead_id .. ',', 1, true) then
    leads = leads == '' and lead_id or leads .. ',' .. lead_id
  end
  local count = select(2, string.gsub(leads, ',', '')) + 1
  while count > PERSON_MAX_LEADS do
    leads = string.sub(leads, (string.find(leads, ',', 1, true) or #leads) + 1)
    count = count - 1
  end
  if fresh then redis.call('HSET', pk, 'id', pid, 'created_at', NOW) end
  redis.call('HSET', pk, 'ids', ids, 'leads', leads, 'last', lead_id, 'updated_at', NOW,
    'ver', (tonumber(h[3]) or 0) + 1, unpack(state))
  redis.call('PEXPIRE', pk, keep_ms)
  return linked
end
