-- uses: keys
-- sub_settle.lua: the outcome of a subscription's delivery attempt.
-- A first attempt comes from the event stream (a consumer group's entry); if
-- it fails, the event moves, as the exact bytes sent, into the
-- subscription's retry set with its job hash, and the stream entry is
-- acknowledged in the same step: from then on it is retried from there.
--
-- ARGV[4] subscription id, [5] consumer group, [6] outcome:
--   ok         a first attempt was delivered (the daemon acknowledges those in
--              batches): the subscription is not failing any more
--   delivered  a retried job was delivered: gone from the retry set
--   retry      failed, try again at [12]
--   dead       failed for good: to the dead-letter list
--   release    the daemon stops: a leased job is due again now, uncounted
-- [7] event id (the stream entry's id), [8] 1 when the attempt came from the
-- stream, [9] event type, [10] body, [11] attempt number, [12] next attempt
-- (ms), [13] error, [14] pause after (ms of failing), [15] hold the
-- subscription until (ms, a Retry-After; 0: no).
-- Returns {result = settled | paused (this failure paused it) | gone (purged)}.
local sub, group, outcome, eid = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local sk, rk, dk = key('sub', sub), key('sub', sub, 'retry'), key('sub', sub, 'dead')
local jk = key('sub', sub, 'job', eid)

if outcome == 'ok' or outcome == 'delivered' then
  if outcome == 'delivered' then
    redis.call('ZREM', rk, eid)
    redis.call('DEL', jk)
  end
  redis.call('HSET', sk, 'last_success_at', NOW)
  redis.call('HDEL', sk, 'failing_since')
  return cjson.encode({ result = 'settled' })
end
if outcome == 'release' then
  if redis.call('ZSCORE', rk, eid) then
    redis.call('ZADD', rk, NOW, eid)
    redis.call('HINCRBY', jk, 'attempts', -1)
  end
  return cjson.encode({ result = 'settled' })
end

local err, pause_after, hold = ARGV[13], tonumber(ARGV[14]), tonumber(ARGV[15])
if ARGV[8] == '1' then
  redis.call('XACK', K_EVENTS, group, eid)
  redis.call('HSET', jk, 'type', ARGV[9], 'body', ARGV[10], 'attempts', ARGV[11],
    'first_failed_at', NOW)
elseif redis.call('EXISTS', jk) == 0 then
  return cjson.encode({ result = 'gone' })
end
redis.call('HSET', jk, 'last_error', err, 'last_attempt_at', NOW)
if outcome == 'retry' then
  redis.call('ZADD', rk, tonumber(ARGV[12]), eid)
else
  redis.call('ZREM', rk, eid)
  redis.call('HSET', jk, 'failed_at', NOW)
  redis.call('ZADD', dk, NOW, eid)
end
redis.call('HSET', sk, 'last_error', err, 'last_error_at', NOW)
if hold > NOW then redis.call('HSET', sk, 'hold_until', hold) end
redis.call('HSETNX', sk, 'failing_since', NOW)
local since = tonumber(redis.call('HGET', sk, 'failing_since'))
if not redis.call('HGET', sk, 'paused_at') and NOW - since >= pause_after then
  redis.call('HSET', sk, 'paused_at', NOW, 'pause_reason', err)
  return cjson.encode({ result = 'paused', failing_since = since })
end
return cjson.encode({ result = 'settled' })
