-- uses: keys, notify
-- notifications.lua: the dead-letter list of notifications, and sending one again.
-- ARGV[4] 'list', 'retry' or 'purge'.
-- list: [5] page size, [6] cursor ('' for the newest; else a next cursor: a
-- failed time, the page then holds what failed before it), newest first. A
-- page never splits the jobs that failed in one millisecond, so it holds more
-- than the page size only when more than that many failed in the same one.
-- Returns {items = [job], next = cursor or null}.
-- retry: [5] job id. A failed job goes back to the outbox, due now, with its
-- attempts reset. Returns {job = job} or {error = not_found | not_failed}.
-- purge: [5] job id, or '' for those failed before [6] (ms; 0: all), 1,000 a
-- call. Dead letters only. Returns {purged, more}.
local FIELDS = { 'to', 'owner', 'pool', 'event', 'attempts', 'last_error', 'created_at',
  'failed_at' }
local op = ARGV[4]
local failed, ok = key('notifications', 'failed'), key('outbox')

local function job(id)
  local h = redis.call('HMGET', key('notification', id), unpack(FIELDS))
  if not h[1] then return nil end
  local j = { id = id }
  for i, f in ipairs(FIELDS) do j[f] = h[i] or cjson.null end
  return j
end

if op == 'list' then
  local limit, cursor = tonumber(ARGV[5]), ARGV[6]
  local max = cursor ~= '' and '(' .. cursor or '+inf'
  local rows = redis.call('ZREVRANGEBYSCORE', failed, max, '-inf', 'WITHSCORES',
    'LIMIT', 0, limit + 1)
  local ids, take, next_cursor = {}, #rows / 2, cjson.null
  if take > limit then
    take = limit
    local last = rows[2 * limit]
    if rows[2 * limit + 2] == last then
      -- Do not split a millisecond: end the page before it, or take all of it.
      while take > 0 and rows[2 * take] == last do take = take - 1 end
      if take == 0 then
        ids = redis.call('ZREVRANGEBYSCORE', failed, last, last)
        next_cursor = last
      end
    end
    if take > 0 then next_cursor = rows[2 * take] end
  end
  if take > 0 then
    for i = 1, take do ids[i] = rows[2 * i - 1] end
  end
  local items = {}
  for _, id in ipairs(ids) do
    local j = job(id)
    if j then items[#items + 1] = j end
  end
  return cjson.encode({ items = items, next = next_cursor })
end

if op == 'retry' then
  local id = ARGV[5]
  local nk = key('notification', id)
  if redis.call('EXISTS', nk) == 0 then return cjson.encode({ error = 'not_found' }) end
  if not redis.call('ZSCORE', failed, id) then
    return cjson.encode({ error = 'not_failed', job = job(id) })
  end
  redis.call('ZREM', failed, id)
  redis.call('HDEL', nk, 'failed_at')
  redis.call('HSET', nk, 'attempts', 0, 'retried_at', NOW, 'counted', 1)
  redis.call('ZADD', ok, NOW, id)
  notify_backlog(redis.call('HGET', nk, 'to'), 1)
  return cjson.encode({ job = job(id) })
end
if op == 'purge' then
  local id, before = ARGV[5], tonumber(ARGV[6])
  local ids
  if id ~= '' then
    ids = redis.call('ZSCORE', failed, id) and { id } or {}
  else
    ids = redis.call('ZRANGEBYSCORE', failed, '-inf', before > 0 and before or '+inf',
      'LIMIT', 0, 1001)
  end
  local more = #ids > 1000
  if more then ids[1001] = nil end
  for _, j in ipairs(ids) do
    redis.call('ZREM', failed, j)
    redis.call('DEL', key('notification', j))
  end
  return cjson.encode({ purged = #ids, more = more })
end
return redis.error_reply('notifications: unknown operation ' .. tostring(op))
