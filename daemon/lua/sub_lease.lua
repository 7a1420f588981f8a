-- uses: keys, lease
-- sub_lease.lua: take a subscription's events due for another attempt (see
-- sub_settle.lua for how they got there, lib/lease.lua for the lease).
-- ARGV[4] subscription id, [5] most events to take, [6] lease length in ms.
-- Returns {jobs = [{id, body, type, attempts}], next = the earliest due time
-- left (-1: none), more}.
local sub = ARGV[4]
return cjson.encode(lease_due(key('sub', sub, 'retry'),
  function(eid) return key('sub', sub, 'job', eid) end, { 'body', 'type' },
  tonumber(ARGV[5]), tonumber(ARGV[6])))
