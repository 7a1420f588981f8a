-- uses: keys, notify
-- outbox_settle.lua: the outcome of one delivery attempt.
-- ARGV[4] job id, [5] outcome, [6] the attempt number the lease gave (a job
-- leased again since, by another daemon after this lease ran out, is that
-- daemon's to settle), [7] when to try again (retry), [8] error text.
-- Outcomes: delivered (the job is deleted), retry (due again at [7]), failed
-- (to the dead-letter list P:notifications:failed, scored by when, keeping its
-- hash), unsent (the same without counting the attempt: nothing could be sent,
-- as when the recipient reaches no target), release (due now, the attempt not
-- counted: the daemon is stopping).
-- Returns {result = settled | stale | gone}.
local id, outcome, token, at, err = ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8]
local nk, ok, failed = key('notification', id), key('outbox'), key('notifications', 'failed')
local attempts, to, counted = unpack(redis.call('HMGET', nk, 'attempts', 'to', 'counted'))
if not attempts then
  redis.call('ZREM', ok, id)
  return cjson.encode({ result = 'gone' })
end
if outcome == 'delivered' then
  -- Even from a lease that ran out: the receiver has it, so no one sends it again.
  redis.call('DEL', nk)
  if redis.call('ZREM', ok, id) == 1 and counted then notify_backlog(to, -1) end
  return cjson.encode({ result = 'settled' })
end
if attempts ~= token or not redis.call('ZSCORE', ok, id) then
  return cjson.encode({ result = 'stale' })
end
if outcome == 'retry' then
  redis.call('ZADD', ok, at, id)
  redis.call('HSET', nk, 'last_error', err, 'last_attempt_at', NOW)
elseif outcome == 'release' then
  redis.call('ZADD', ok, NOW, id)
  redis.call('HINCRBY', nk, 'attempts', -1)
else
  if outcome == 'unsent' then
    redis.call('HINCRBY', nk, 'attempts', -1)
  else
    redis.call('HSET', nk, 'last_attempt_at', NOW)
  end
  redis.call('ZREM', ok, id)
  if counted then notify_backlog(to, -1) end
  redis.call('ZADD', failed, NOW, id)
  redis.call('HSET', nk, 'last_error', err, 'failed_at', NOW)
end
return cjson.encode({ result = 'settled' })
