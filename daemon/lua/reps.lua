-- uses: keys
-- reps.lua: status, open-lead count and leads today of reps. ARGV[4...] each
-- rep's id and local date (YYYY-MM-DD), in pairs.
local ids, days = {}, {}
for i = 4, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  days[#days + 1] = key('rep_day', ARGV[i], ARGV[i + 1])
end
if #ids == 0 then return cjson.encode({ status = {}, open = {}, today = {} }) end
return cjson.encode({
  status = redis.call('HMGET', key('rep_status'), unpack(ids)),
  open = redis.call('HMGET', key('rep_open'), unpack(ids)),
  today = redis.call('MGET', unpack(days)),
})
