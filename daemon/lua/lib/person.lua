-- uses: keys
-- person.lua: the person a lead belongs to, found by any of its identities
-- (the keyed hashes of an email, a phone, a CRM id: P:who:<hash> → person id)
-- and the record that ties them together (P:person:<id>).

-- A person keeps this many of its latest leads' ids (its erasure index: a
-- sender past it is a bot, whose oldest leads expire by retention).
local PERSON_MAX_LEADS = 1000

-- The person the comma-separated identity hashes name (the first that names
-- one), or nil; and what each names (false: nobody), in one MGET.
local function person_find(idents)
  local list, keys, found, pid = {}, {}, {}, nil
  for h in string.gmatch(idents, '[^,]+') do
    list[#list + 1] = h
    keys[#keys + 1] = key('who', h)
  end
  if #keys == 0 then return nil, found end
  local got = redis.call('MGET', unpack(keys))
  for n, h in ipairs(list) do
    found[h] = got[n]
    if got[n] and not pid then pid = got[n] end
  end
  return pid, found
end

-- The person any of the identity hashes names, or nil.
local function person_of(idents)
  return (person_find(idents))
end

-- What the daemon decides with, of person pid: {pid, ver, behaviour (JSON or
-- ''), mql ('1'/'0'), latest lead id ('' when gone), its status, stage,
-- received_at and fields (JSON)}.
local function person_read(pid)
  local p = redis.call('HMGET', key('person', pid), 'ver', 'behavior', 'mql', 'leads')
  local last = string.match(p[4] or '', '([^,]+)$') or ''
  local l = { false, false, false, false }
  if last ~= '' then
    l = redis.call('HMGET', P .. ':lead:' .. last, 'status', 'stage', 'received_at', 'fields')
  end
  return { pid, p[1] or '0', p[2] or '', p[3] or '0', l[1] and last or '', l[1] or '',
    l[2] or '', l[3] or '0', l[4] or '' }
end

-- A lead is open while it is in the sales process or held in nurture.
local function lead_open(status)
  return status == 'queued' or status == 'assigned' or status == 'touched' or status == 'nurture'
end

-- Tie a lead and its identities (hashes, with their kinds: comma-separated
-- and in the same order; found: what each named, from person_find) to person
-- pid, creating the record when fresh, and set the fields of state (a flat
-- list: behaviour, score, …); everything kept keep_ms more. An identity that
-- already names another person stays with it. Returns the kinds newly linked
-- to an existing person and the kinds left with another person, each
-- comma-separated ('' for none), for the lead's history.
local function person_link(pid, fresh, found, idents, kinds, lead_id, keep_ms, state)
  local pk = key('person', pid)
  local ids, leads, ver = '', '', 0
  if not fresh then
    local h = redis.call('HMGET', pk, 'ids', 'leads', 'ver')
    ids, leads, ver = h[1] or '', h[2] or '', tonumber(h[3]) or 0
  end
  local linked, elsewhere = {}, {}
  local kind_list = {}
  for k in string.gmatch(kinds, '[^,]+') do kind_list[#kind_list + 1] = k end
  local n = 0
  for ident in string.gmatch(idents, '[^,]+') do
    n = n + 1
    local owner = found[ident]
    if not owner or owner == pid then
      redis.call('SET', key('who', ident), pid, 'PX', keep_ms)
      if not string.find(',' .. ids .. ',', ',' .. ident .. ',', 1, true) then
        ids = ids == '' and ident or ids .. ',' .. ident
        if not fresh then linked[#linked + 1] = kind_list[n] or 'id' end
      end
    else
      elsewhere[#elsewhere + 1] = kind_list[n] or 'id'
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
  redis.call('HSET', pk, 'ids', ids, 'leads', leads, 'ver', ver + 1, unpack(state))
  redis.call('PEXPIRE', pk, keep_ms)
  return table.concat(linked, ','), table.concat(elsewhere, ',')
end
