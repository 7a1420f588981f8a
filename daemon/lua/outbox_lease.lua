-- uses: keys, lease
-- outbox_lease.lua: take notifications that are due, for one delivery attempt
-- (see lib/lease.lua). ARGV[4] most jobs to take, [5] lease length in ms.
-- Returns {jobs = [{id, to, owner, pool, event, attempts, group}], next = the
-- earliest due time left (-1: none), more = 1 when the limit was reached}.
return cjson.encode(lease_due(key('outbox'), function(id) return key('notification', id) end,
  { 'to', 'owner', 'pool', 'event', 'group' }, tonumber(ARGV[4]), tonumber(ARGV[5])))
