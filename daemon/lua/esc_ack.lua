-- uses: esc
-- esc_ack.lua: someone acknowledges an escalation; its later levels stop.
-- ARGV[4] escalation id, [5] who, [6] a note or ''.
-- Returns {'ok', record JSON}, {'not_found'} or {'closed', record JSON}.
local esc = esc_load(ARGV[4])
if not esc then return { 'not_found' } end
if esc.status ~= 'open' then return { 'closed', cjson.encode(esc) } end
esc_close(esc, 'acknowledged', ARGV[5], ARGV[6])
return { 'ok', cjson.encode(esc) }
