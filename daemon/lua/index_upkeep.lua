-- uses: keys, index
-- index_upkeep.lua: keep the leads search's indexes bounded (see index.lua):
-- each rep's owner index loses the entries assigned more than a retention
-- ago (their leads expired) and lives a retention from now (a rep no
-- longer configured keeps it until then); each company period's index
-- expires a retention after the period ends. Periods before the retention
-- and two more are covered, in case the daemons were down a while.
-- ARGV[4] leads.retention (ms), [5...] the configured reps.
-- Returns the number of owner index entries removed.
local retention = tonumber(ARGV[4])
local removed = 0
for i = 5, #ARGV do
  local k = key('ix', 'owner', ARGV[i])
  removed = removed + redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. (NOW - retention))
  redis.call('PEXPIRE', k, retention)
end
for n = index_period(NOW - retention) - 2, index_period(NOW) do
  redis.call('PEXPIREAT', key('ix', 'company', n), (n + 1) * IX_PERIOD_MS + retention)
end
return removed
