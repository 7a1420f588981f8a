-- uses: rotation, clocks, assign
-- drain.lua: assign queued leads to available reps, oldest first.
-- ARGV[4] most leads to assign in this call, [5...] the pools (see read_pools).
local out = {}
local more = drain_pools(read_pools(5), tonumber(ARGV[4]), out)
return cjson.encode({ assigned = out, more = more, next = NEXT_DEADLINE or -1 })
