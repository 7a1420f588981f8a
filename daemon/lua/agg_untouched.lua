-- uses: keys
-- agg_untouched.lua: put some of a batch's new leads in the scorecard's
-- untouched set, ahead of agg_apply.lua's sums, while the cursor is still
-- where the batch began. A batch's leads go in a few of these short calls,
-- one after the other, rather than in its one agg_apply: a thousand inserts
-- into that big sorted set held Redis for milliseconds, and every lead
-- routed meanwhile waited (scorecard_agg.c).
--
-- Safe to run twice and from several daemons: each insert is the same lead
-- with the same due time, whoever folds the batch. Leads leave the set only
-- in agg_apply (a touch, rejection or close it folds, or settling as
-- untouched), which moves the cursor in the same call; so while the cursor
-- is where the batch began, no later batch has taken out a lead this puts
-- back. An erased lead put back is skipped when it falls due (its record is
-- gone).
--
-- ARGV[4] the cursor the batch was read after, [5...] (due, lead) pairs.
-- Returns {1}, or {0, the cursor now} when another daemon moved it first
-- (nothing written).
local cursor = redis.call('GET', key('sc', 'cursor')) or '0-0'
if cursor ~= ARGV[4] then return { 0, cursor } end
if #ARGV >= 6 then redis.call('ZADD', key('sc', 'untouched'), unpack(ARGV, 5)) end
return { 1 }
