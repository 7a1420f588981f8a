-- uses: rotation, pool
-- pools.lua: every pool as it stands, changing nothing, in one call.
-- ARGV[4...] the pools (see read_pools).
-- Returns JSON: a list in the order given, each pool's id, the rep its next
-- lead would go to, how many of its reps could take it, its open leads, its
-- queue's length and when the lead at the head of the queue arrived.
local out = {}
for i, p in ipairs(read_pools(4)) do
  local s = pool_standing(p.id, p.reps, p.max_open)
  local eligible = 0
  for _, why in ipairs(s.reasons) do
    if why == 'chosen' or why == 'weight_turn' then eligible = eligible + 1 end
  end
  out[i] = { id = p.id, next = s.next or cjson.null, eligible = eligible, open = s.open,
    queued = s.queued, oldest = (s.queued > 0 and queue_oldest(p.id)) or cjson.null }
end
return cjson.encode(out)
