-- uses: keys
-- notify.lua: notification jobs, delivered by the daemons' notifiers (see notify.c).

-- Jobs queued by this call, for the script's reply.
local NOTIFIED = 0
local function notify_enqueue(to, owner, pool, kind, data)
  local nid = redis.call('INCR', key('seq', 'notification'))
  redis.call('HSET', key('notification', nid), 'id', nid, 'to', to, 'owner', owner or '',
    'pool', pool or '', 'event', cjson.encode({ type = kind, at = NOW, data = data }),
    'created_at', NOW, 'attempts', 0)
  redis.call('ZADD', key('outbox'), NOW, nid)
  NOTIFIED = NOTIFIED + 1
end

-- One job per recipient in list.
local function notify_all(list, owner, pool, kind, data)
  for _, to in ipairs(list or {}) do
    data.recipient = to
    notify_enqueue(to, owner, pool, kind, data)
  end
  data.recipient = nil
end
