-- uses: keys, events
-- subscriptions.lua: what the API shows and does with subscriptions.
-- ARGV[4] operation, [5] subscription id (for status: several, comma-separated).
-- status: per subscription its state hash, its consumer group's lag and
--   pending count, the retry set, the dead letters and the oldest event not
--   yet delivered. Returns {subs = [{id, state = {…}, lag, pending, retrying,
--   dead, oldest}]}.
-- dead_list: [6] offset, [7] limit; oldest failure first. Returns {items, total}.
-- dead_retry: [6] event id, or '' for all (1,000 a call). Back to the retry
--   set, due now, attempts reset. Returns {moved, more}.
-- dead_purge: [6] event id, or '' for all failed before [7] (ms; 0: all),
--   1,000 a call. Returns {purged, more}.
-- resume: clear paused, failing and held. Returns {was_paused}.
local op, sub = ARGV[4], ARGV[5]

-- A stream id's time part (ms).
local function id_ms(id)
  return tonumber(string.match(id or '', '^(%d+)-'))
end

-- The stream's consumer groups by name, read once (stream_groups).
local GROUPS = {}

local function status(id)
  local sk, rk = key('sub', id), key('sub', id, 'retry')
  local flat = redis.call('HGETALL', sk)
  local state = {}
  for i = 1, #flat, 2 do state[flat[i]] = flat[i + 1] end
  local out = { id = id, state = state, lag = cjson.null, pending = 0, oldest = cjson.null }
  local info = GROUPS['sub:' .. id]
  local last
  if info then
    out.group = true
    out.pending = info.pending
    out.lag = info.lag or cjson.null
    last = info['last-delivered-id']
  end
  local oldest
  local function older(ms)
    if ms and (not oldest or ms < oldest) then oldest = ms end
  end
  if out.group then
    if out.pending > 0 then
      local p = redis.call('XPENDING', K_EVENTS, 'sub:' .. id)
      older(id_ms(p[2]))
    end
    local nxt = redis.call('XRANGE', K_EVENTS, '(' .. last, '+', 'COUNT', 1)
    if nxt[1] then older(id_ms(nxt[1][1])) end
  end
  for _, eid in ipairs(redis.call('ZRANGE', rk, 0, 999)) do older(id_ms(eid)) end
  out.retrying = redis.call('ZCARD', rk)
  out.dead = redis.call('ZCARD', key('sub', id, 'dead'))
  out.oldest = oldest or cjson.null
  return out
end

if op == 'status' then
  GROUPS = stream_groups()
  local subs = {}
  for id in string.gmatch(sub, '[^,]+') do subs[#subs + 1] = status(id) end
  return cjson.encode({ subs = subs })
end

local dk, rk = key('sub', sub, 'dead'), key('sub', sub, 'retry')
local FIELDS = { 'type', 'attempts', 'last_error', 'first_failed_at', 'failed_at', 'body' }

if op == 'dead_list' then
  local offset, limit = tonumber(ARGV[6]), tonumber(ARGV[7])
  local items = {}
  for _, eid in ipairs(redis.call('ZRANGE', dk, offset, offset + limit - 1)) do
    local h = redis.call('HMGET', key('sub', sub, 'job', eid), unpack(FIELDS))
    local j = { id = eid }
    for i, f in ipairs(FIELDS) do j[f] = h[i] or cjson.null end
    items[#items + 1] = j
  end
  return cjson.encode({ items = items, total = redis.call('ZCARD', dk) })
end

-- The dead letters an operation applies to: one, or a page of all (before a time).
local function chosen(eid, before)
  if eid ~= '' then
    if redis.call('ZSCORE', dk, eid) then return { eid }, false end
    return {}, false
  end
  local ids = redis.call('ZRANGEBYSCORE', dk, '-inf', (before and before > 0) and before or '+inf',
    'LIMIT', 0, 1001)
  local more = #ids > 1000
  if more then ids[1001] = nil end
  return ids, more
end

if op == 'dead_retry' then
  local ids, more = chosen(ARGV[6])
  for _, eid in ipairs(ids) do
    local jk = key('sub', sub, 'job', eid)
    redis.call('ZREM', dk, eid)
    redis.call('HDEL', jk, 'failed_at')
    redis.call('HSET', jk, 'attempts', 0, 'retried_at', NOW)
    redis.call('ZADD', rk, NOW, eid)
  end
  return cjson.encode({ moved = #ids, more = more })
end

if op == 'dead_purge' then
  local ids, more = chosen(ARGV[6], tonumber(ARGV[7]))
  for _, eid in ipairs(ids) do
    redis.call('ZREM', dk, eid)
    redis.call('DEL', key('sub', sub, 'job', eid))
  end
  return cjson.encode({ purged = #ids, more = more })
end

if op == 'resume' then
  local sk = key('sub', sub)
  local was = redis.call('HGET', sk, 'paused_at')
  redis.call('HDEL', sk, 'paused_at', 'pause_reason', 'failing_since', 'hold_until')
  return cjson.encode({ was_paused = was and true or false })
end
return redis.error_reply('subscriptions: unknown operation ' .. tostring(op))
