-- uses: keys, person
-- person_read.lua: what the intake needs of a lead's person before it
-- decides (read only): their behaviour so far, MQL state and latest lead.
-- The route script checks the person's ver, so a decision made on a read
-- that another lead overtook is made again.
--
-- ARGV[4] the lead's identity hashes (comma-separated).
-- Returns {} for nobody yet, else {person id, ver, behaviour (JSON, '' for
-- none), mql ('1' or '0'), latest lead id ('' when gone), its status, its
-- stage, its received_at, its fields (JSON)}.
local pid = person_of(ARGV[4])
if not pid then return {} end
local p = redis.call('HMGET', key('person', pid), 'ver', 'behavior', 'mql', 'last')
local last = p[4] or ''
local l = { false, false, false, false }
if last ~= '' then
  l = redis.call('HMGET', P .. ':lead:' .. last, 'status', 'stage', 'received_at', 'fields')
end
return { pid, p[1] or '0', p[2] or '', p[3] or '0', l[1] and last or '', l[1] or '', l[2] or '',
  l[3] or '0', l[4] or '' }
