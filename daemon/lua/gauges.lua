-- uses: keys, pool, events
-- gauges.lua: what a pager needs, read-only, in a bounded number of commands
-- however much is waiting (engine/gauges.c, every few seconds).
-- ARGV[4] the configured pools, comma-separated; [5] the subscriptions.
-- Returns {queues = {pool = {depth, oldest = arrival ms of the head, 0: none}},
-- escalations_open, notifications = {dead, backlog = {recipient = jobs}},
-- subs = {id = {dead, backlog = lag + pending + retrying}}}.
local queues, subs = {}, {}

for _, pool in ipairs(list_items(ARGV[4])) do
  local depth = redis.call('ZCARD', key('pool', pool, 'queue'))
  queues[pool] = { depth = depth, oldest = depth > 0 and queue_oldest(pool) or 0 }
end

local backlog = {}
local flat = redis.call('HGETALL', key('outbox', 'to'))
for i = 1, #flat, 2 do backlog[flat[i]] = tonumber(flat[i + 1]) end

-- A subscription's group (none before the stream or the group exists): its
-- lag when Redis can tell it (not past entries an erasure deleted) and pending.
local groups = stream_groups()
for _, id in ipairs(list_items(ARGV[5])) do
  local info = groups['sub:' .. id] or {}
  local waiting = redis.call('ZCARD', key('sub', id, 'retry')) + (tonumber(info.pending) or 0) +
    (type(info.lag) == 'number' and info.lag or 0)
  subs[id] = { dead = redis.call('ZCARD', key('sub', id, 'dead')), backlog = waiting }
end

return cjson.encode({ queues = queues, subs = subs,
  escalations_open = redis.call('ZCARD', key('escalations', 'open')),
  notifications = { dead = redis.call('ZCARD', key('notifications', 'failed')),
    backlog = backlog } })
