-- uses: keys, rotation
-- pool.lua: a pool as it stands, for the read-only views (pool_view, pools).

-- Who would get the pool's next lead (nothing is written), with every
-- candidate's reason (see pick_rep), its open leads and its queue's length.
local function pool_standing(pool, cands, max_open)
  local chosen, reasons = pick_rep(pool, cands, max_open, true)
  return { next = chosen and chosen.id or nil, reasons = reasons,
    open = tonumber(redis.call('HGET', K_POOL_OPEN, pool)) or 0,
    queued = redis.call('ZCARD', key('pool', pool, 'queue')) }
end

-- When the lead at the head of the pool's queue arrived (received_at), or
-- nil with none queued. Queues are in arrival order; a member no longer
-- queued (the drain removes those lazily) or gone is passed over, at most
-- QUEUE_HEAD_MAX of them.
local QUEUE_HEAD_MAX = 10
local function queue_oldest(pool)
  local head = redis.call('ZRANGE', key('pool', pool, 'queue'), 0, QUEUE_HEAD_MAX - 1)
  for _, id in ipairs(head) do
    local h = redis.call('HMGET', key('lead', id), 'status', 'received_at')
    if h[1] == 'queued' and tonumber(h[2]) then return tonumber(h[2]) end
  end
  return nil
end
