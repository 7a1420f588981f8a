-- uses: keys, idempotency, person
-- lead_resolve.lua: the lead an identity names (a request's email:, phone:
-- or crm: reference), changing nothing: its person's one open lead, else
-- their most recent. An action's event id that was already used on one of
-- the person's leads names that lead, so a retried event finds the lead it
-- acted on (and replays) even once another lead is the one open. With an
-- owner, only the leads that rep owns count (a rep's token sees no others).
-- ARGV[4] the identity's keyed hash (pii_hash), [5] an event id or '',
-- [6] an owner or ''.
-- Returns {'lead', id}, {'several', id, ...} (the open ones, newest first)
-- or {'none'} (no person has the identity, or none of their leads is left).
local ident, idem, only = ARGV[4], ARGV[5], ARGV[6]

local pid, solo = person_find(ident)
if not pid then return { 'none' } end
local _, ids = person_leads(pid, solo)

-- A lead's status, or nil when it is gone or not the owner's.
local function status_of(id)
  local h = redis.call('HMGET', key('lead', id), 'status', 'owner')
  if only ~= '' and h[2] ~= only then return nil end
  return h[1] or nil
end

local seen = event_seen(idem, '')
if seen then
  for _, id in ipairs(ids) do
    if id == seen and status_of(id) then return { 'lead', seen } end
  end
end

-- Newest first; a lead whose hash expired is passed over.
local open, recent = {}, nil
for i = #ids, 1, -1 do
  local status = status_of(ids[i])
  if status then
    recent = recent or ids[i]
    if lead_open(status) then open[#open + 1] = ids[i] end
  end
end
if #open == 1 then return { 'lead', open[1] } end
if #open > 1 then return { 'several', unpack(open) } end
if recent then return { 'lead', recent } end
return { 'none' }
