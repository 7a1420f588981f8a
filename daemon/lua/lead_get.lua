-- uses: keys
-- lead_get.lua: a lead, its history included. ARGV[4] lead id.
-- Returns the lead's hash as field, value, ... (empty when there is no such lead).
return redis.call('HGETALL', P .. ':lead:' .. ARGV[4])
