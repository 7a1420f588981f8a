-- uses: keys
-- notify.lua: notification jobs, delivered by the daemons' notifiers (see notify.c).

-- Jobs queued by this call, for the script's reply.
local NOTIFIED = 0

-- The outbox's jobs by recipient (`to` as written): P:outbox:to, recipient →
-- jobs in P:outbox (due, retrying or leased), read by the gauges. n is +1 as
-- a job enters the outbox, -1 as it leaves it (delivered, dead-lettered) for
-- a job marked 'counted' (those queued before the count was kept are not).
local function notify_backlog(to, n)
  local bk = key('outbox', 'to')
  if redis.call('HINCRBY', bk, to, n) <= 0 then redis.call('HDEL', bk, to) end
end
-- group: the jobs of one event; recipients that resolve to the same target
-- get one message (the courier keeps the first, see notify.c).
-- Without a group, the job starts its own ('g' .. its id).
-- The event as JSON text already ({type, at, data}).
local function notify_enqueue_event(to, owner, pool, event, group)
  local nid = redis.call('INCR', key('seq', 'notification'))
  redis.call('HSET', key('notification', nid), 'id', nid, 'to', to, 'owner', owner or '',
    'pool', pool or '', 'event', event, 'created_at', NOW, 'attempts', 0,
    'group', group or ('g' .. nid), 'counted', 1)
  redis.call('ZADD', key('outbox'), NOW, nid)
  notify_backlog(to, 1)
  NOTIFIED = NOTIFIED + 1
  return nid
end

local function notify_enqueue(to, owner, pool, kind, data, group)
  return notify_enqueue_event(to, owner, pool,
    cjson.encode({ type = kind, at = NOW, data = data }), group)
end

-- One job per recipient in list. A lead without an owner (queued) has no one
-- to tell as 'owner': that recipient is left out, not sent to nowhere.
local function notify_all(list, owner, pool, kind, data)
  local group
  for _, to in ipairs(list or {}) do
    if to ~= 'owner' or (owner and owner ~= '') then
      data.recipient = to
      local nid = notify_enqueue(to, owner, pool, kind, data, group)
      group = group or ('g' .. nid)
    end
  end
  data.recipient = nil
end
