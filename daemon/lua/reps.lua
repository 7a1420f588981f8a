-- uses: keys
-- reps.lua: status and open-lead count of reps. ARGV[4...] rep ids.
local ids = {}
for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return cjson.encode({ status = {}, open = {} }) end
return cjson.encode({
  status = redis.call('HMGET', key('rep_status'), unpack(ids)),
  open = redis.call('HMGET', key('rep_open'), unpack(ids)),
})
