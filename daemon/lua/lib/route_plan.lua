-- uses: keys, rotation, clocks
-- route_plan.lua: a rule's route plan (see daemon/engine/route_plan.h): its
-- targets with their candidates, its queue, the sticky window, the reps'
-- facts and the new lead's clock plan. The daemon sends each lead the plan's
-- key (a digest of it) and the plan itself only when asked: parsed plans are
-- kept across calls, so that a lead's call parses none of it. A plan depends
-- on its arguments alone, never on what Redis holds.

-- Parsed plans by key, and how many. The plans in use are at most one per
-- rule (rules with the same targets share one) and change with the config
-- or the hour, so old ones pile up: all are dropped past ROUTE_PLANS_MAX,
-- which leaves room for the rules of a big config (a plan is a kilobyte or
-- two of Lua's memory).
local ROUTE_PLANS, ROUTE_PLAN_COUNT = {}, 0	-- kept across calls
local ROUTE_PLANS_MAX = 1024

-- The plan's arguments from ARGV[i]: the sticky window (ms, 0: off), the
-- reps' facts (',id:in_hours:max_open:max_day:day,…'; '' when not needed),
-- the queue pool ('' to nurture), the number of targets, then each: 'pool', id, cap, candidates (read_candidates) | 'rep',
-- its six values (read_candidate) | 'owner'; then the clock plan
-- (clock_plan_read).
local function route_plan_read(i)
  local plan = { sticky = ARGV[i], facts = ARGV[i + 1], queue = ARGV[i + 2] }
  local targets = {}
  i = i + 4
  for k = 1, tonumber(ARGV[i - 1]) do
    local kind = ARGV[i]
    if kind == 'pool' then
      local t = { kind = kind, pool = ARGV[i + 1], cap = tonumber(ARGV[i + 2]) }
      t.cands, i = read_candidates(i + 3)
      targets[k] = t
    elseif kind == 'rep' then
      targets[k] = { kind = kind, rep = read_candidate(i + 1) }
      i = i + 7
    else
      targets[k] = { kind = kind }
      i = i + 1
    end
  end
  plan.targets = targets
  plan.clocks = clock_plan_read(i)
  return plan
end

-- The plan of key: kept from an earlier call, else read from ARGV[i...]
-- when the daemon sent it; nil when it did not (the script asks for it).
local function route_plan(key, i)
  -- Per key prefix: what is worked out from a plan names keys (rotation_reads).
  key = P .. ' ' .. key
  local plan = ROUTE_PLANS[key]
  if plan or ARGV[i] == nil then return plan end
  plan = route_plan_read(i)
  if ROUTE_PLAN_COUNT >= ROUTE_PLANS_MAX then
    ROUTE_PLANS, ROUTE_PLAN_COUNT = {}, 0
  end
  ROUTE_PLANS[key] = plan
  ROUTE_PLAN_COUNT = ROUTE_PLAN_COUNT + 1
  return plan
end
