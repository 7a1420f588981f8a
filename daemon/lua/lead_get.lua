-- lead_get.lua: a lead and its history. ARGV[4] lead id.
local id = ARGV[4]
local h = redis.call('HGETALL', key('lead', id))
if #h == 0 then return cjson.encode({ error = 'not_found' }) end
return cjson.encode({
  lead = hash_table(h),
  events = redis.call('LRANGE', key('lead', id, 'events'), 0, -1),
  escalations = redis.call('LRANGE', key('lead', id, 'escalations'), 0, -1),
})
