-- uses: keys
-- index.lua: the indexes the leads search reads (lead_search.lua), written
-- where leads are created and where they get an owner, and cleared by
-- erasure. Routing writes one ZADD to each and nothing else: trimming and
-- expiry are index_upkeep.lua's (hourly), and entries of leads that expired
-- meanwhile are skipped and removed when read.
--
-- P:ix:owner:<rep>: a zset of the rep's lead ids scored by assignment time.
-- P:ix:company:<n>: a zset (score 0, ordered by member) of '<company
-- key>\31<lead id>' for the leads that arrived in the n-th 30-day period
-- since the epoch; the company key is the lead's `company_ix`
-- (normalise_company_key: lower case, spaces collapsed).

local IX_PERIOD_MS = 2592000000

-- The company index's period for a time (epoch ms).
local function index_period(at)
  return math.floor(at / IX_PERIOD_MS)
end

-- Index a lead under its company key (not when it has none); at: when it arrived.
local function index_company(id, company, at)
  if company and company ~= '' then
    redis.call('ZADD', P .. ':ix:company:' .. num_text(index_period(at)), '0', company .. '\31' .. id)
  end
end

-- The lead has a new owner, rep: in rep's index from now, out of from's
-- (its previous owner; nil or '' for none).
local function index_owner(id, rep, from)
  redis.call('ZADD', P .. ':ix:owner:' .. rep, NOW_S, id)
  if from and from ~= '' and from ~= rep then
    redis.call('ZREM', P .. ':ix:owner:' .. from, id)
  end
end

-- Take a lead out of every index: its owner's and its company's. received_at:
-- when it arrived (its company period).
local function index_drop(id, owner, company, received_at)
  if owner and owner ~= '' then redis.call('ZREM', P .. ':ix:owner:' .. owner, id) end
  if company and company ~= '' and received_at then
    redis.call('ZREM', P .. ':ix:company:' .. index_period(tonumber(received_at)),
      company .. '\31' .. id)
  end
end
