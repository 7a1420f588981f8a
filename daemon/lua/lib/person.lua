-- uses: keys
-- person.lua: the person a lead belongs to, found by any of its identities
-- (the keyed hashes of an email, a phone, a CRM id: P:who:<hash>) and the
-- record that ties them together (P:person:<id>).
--
-- Most people send one lead: a person with one lead has no record of their
-- own. Their identities hold '<person id>|<lead id>' and the lead holds the
-- rest (its identities, score, MQL state, the behaviour in its breakdown).
-- Their second lead writes the record (ids, leads, behaviour, MQL state,
-- ver) and turns every identity into '<person id>'.

-- A person keeps this many of its latest leads' ids (its erasure index: a
-- sender past it is a bot, whose oldest leads expire by retention).
local PERSON_MAX_LEADS = 1000

-- The person the comma-separated identity hashes name (the first that names
-- one) or nil; their one lead when they have no record yet (else nil); and
-- what each identity holds (false: nobody), in one MGET. With tombs, that
-- MGET also reads the identities' erasure tombstones: the fourth value is the
-- first erased identity (nil for none). Fifth: the identities as a list.
local function person_find(idents, tombs)
  local list, keys, found = list_items(idents), {}, {}
  local n = #list
  if n == 0 then return nil, nil, found, nil, list end
  for i = 1, n do keys[i] = key('who', list[i]) end
  if tombs then
    for i = 1, n do keys[n + i] = key('tomb', list[i]) end
  end
  local got = redis.call('MGET', unpack(keys))
  local pid, solo, erased
  for i, h in ipairs(list) do
    found[h] = got[i]
    if got[i] and not pid then
      pid, solo = string.match(got[i], '^([^|]+)|?(.*)$')
    end
    if tombs and got[n + i] and not erased then erased = h end
  end
  return pid, (solo ~= nil and solo ~= '') and solo or nil, found, erased, list
end

-- Person pid's identity hashes (comma-separated) and leads (oldest first).
local function person_leads(pid, solo)
  if solo then
    return redis.call('HGET', P .. ':lead:' .. solo, 'idents') or '', { solo }
  end
  local p = redis.call('HMGET', key('person', pid), 'ids', 'leads')
  local leads = {}
  for id in string.gmatch(p[2] or '', '[^,]+') do leads[#leads + 1] = id end
  return p[1] or '', leads
end

-- What the daemon decides with, of person pid: {pid, ver ('0' with no record
-- yet), behaviour (JSON or ''), mql ('1'/'0'), latest lead id ('' when gone),
-- its status, stage, received_at and fields (JSON), and its breakdown (the
-- behaviour of a person with no record yet; '' otherwise)}.
local function person_read(pid, solo)
  local ver, behavior, mql, last, breakdown = '0', '', '0', solo or '', ''
  if not solo then
    local p = redis.call('HMGET', key('person', pid), 'ver', 'behavior', 'mql', 'leads')
    ver, behavior, mql = p[1] or '0', p[2] or '', p[3] or '0'
    last = string.match(p[4] or '', '([^,]+)$') or ''
  end
  local l = { false, false, false, false, false, false }
  if last ~= '' then
    l = redis.call('HMGET', P .. ':lead:' .. last, 'status', 'stage', 'received_at', 'fields',
      'mql', 'breakdown')
  end
  if solo then
    mql, breakdown = l[5] or '0', l[6] or ''
  end
  return { pid, ver, behavior, mql, l[1] and last or '', l[1] or '', l[2] or '', l[3] or '0',
    l[4] or '', breakdown }
end

-- A lead is open while it is in the sales process or held in nurture.
local function lead_open(status)
  return status == 'queued' or status == 'assigned' or status == 'touched' or status == 'nurture'
end

-- Tie a lead and its identities (hashes, a list as person_find gives it, with
-- their kinds: comma-separated, in the same order; solo and found from
-- person_find) to person pid and
-- set the fields of state (a flat list: behaviour, score, …) on the record;
-- everything kept keep_ms more. A new person (fresh) gets no record: their
-- identities name the lead. An identity that already names another person
-- stays with it. Returns the kinds newly linked to a known person and the
-- kinds left with another person, each comma-separated ('' for none), for
-- the lead's history.
local function person_link(pid, fresh, solo, found, idents, kinds, lead_id, keep_ms, state)
  if fresh then
    local value = pid .. '|' .. lead_id
    for _, ident in ipairs(idents) do
      redis.call('SET', key('who', ident), value, 'PX', keep_ms)
    end
    return '', ''
  end
  local pk = key('person', pid)
  local ids, leads, ver
  if solo then
    -- The second lead: the person gets a record.
    ids, leads, ver = redis.call('HGET', P .. ':lead:' .. solo, 'idents') or '', solo, 0
  else
    local h = redis.call('HMGET', pk, 'ids', 'leads', 'ver')
    ids, leads, ver = h[1] or '', h[2] or '', tonumber(h[3]) or 0
  end
  local linked, elsewhere = {}, {}
  local kind_list = list_items(kinds)
  for n, ident in ipairs(idents) do
    local owner = found[ident] and string.match(found[ident], '^[^|]+')
    if not owner or owner == pid then
      if not string.find(',' .. ids .. ',', ',' .. ident .. ',', 1, true) then
        ids = ids == '' and ident or ids .. ',' .. ident
        linked[#linked + 1] = kind_list[n] or 'id'
      end
    else
      elsewhere[#elsewhere + 1] = kind_list[n] or 'id'
    end
  end
  -- Every identity names the record now (and is kept as long as it is).
  for ident in string.gmatch(ids, '[^,]+') do
    redis.call('SET', key('who', ident), pid, 'PX', keep_ms)
  end
  if not string.find(',' .. leads .. ',', ',' .. lead_id .. ',', 1, true) then
    leads = leads == '' and lead_id or leads .. ',' .. lead_id
  end
  local count = select(2, string.gsub(leads, ',', '')) + 1
  while count > PERSON_MAX_LEADS do
    leads = string.sub(leads, (string.find(leads, ',', 1, true) or #leads) + 1)
    count = count - 1
  end
  redis.call('HSET', pk, 'ids', ids, 'leads', leads, 'ver', num_text(ver + 1), unpack(state))
  redis.call('PEXPIRE', pk, keep_ms)
  return table.concat(linked, ','), table.concat(elsewhere, ',')
end
