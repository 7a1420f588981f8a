-- uses: keys
-- index.lua: the indexes the leads search reads (lead_search.lua), written
-- where leads are created and where they get an owner, and cleared by
-- erasure. Each costs the hot path one or two commands; entries of leads
-- that expired go with their key, or are skipped and removed when read.
--
-- P:ix:owner:<rep>: a zset of the rep's lead ids scored by assignment time,
-- expiring with the rep's longest-lived lead. P:ix:company:<n>: a zset (score
-- 0, ordered by member) of '<company key>\31<lead id>' for the leads that
-- arrived in the n-th 30-day period since the epoch, expiring a retention
-- after the period ends; the company key is the lead's `company_ix`
-- (normalise_company_key: lower case, spaces collapsed).

local IX_PERIOD_MS = 2592000000

-- The company index key for a time.
local function index_company_key(at)
  return P .. ':ix:company:' .. math.floor(at / IX_PERIOD_MS)
end

-- Index a lead under its company key (not when it has none). at: when it
-- arrived; retention_ms: how long leads are kept.
local function index_company(id, company, at, retention_ms)
  if not company or company == '' then return end
  local n = math.floor(at / IX_PERIOD_MS)
  local k = P .. ':ix:company:' .. n
  redis.call('ZADD', k, 0, company .. '\31' .. id)
  redis.call('PEXPIREAT', k, (n + 1) * IX_PERIOD_MS + retention_ms)
end

-- The lead has a new owner (rep), after from ('' or nil for none): moved
-- from from's index to rep's. ttl: the lead's retention when it is new (then
-- the rep's index lives that long: no lead of theirs outlives it), else nil
-- (it is made to live at least as long as the lead). One new lead in 32 (by
-- its id's last character, random in a ULID) also trims the rep's entries
-- older than the retention, so an index read rarely stays bounded.
local function index_owner(id, rep, from, ttl)
  local k = P .. ':ix:owner:' .. rep
  redis.call('ZADD', k, NOW, id)
  if ttl then
    redis.call('PEXPIRE', k, ttl)
    if string.byte(id, -1) == 48 then
      redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. (NOW - ttl))
    end
  else
    local left = redis.call('PTTL', P .. ':lead:' .. id)
    if left > 0 and redis.call('PTTL', k) < left then redis.call('PEXPIRE', k, left) end
  end
  if from and from ~= '' and from ~= rep then
    redis.call('ZREM', P .. ':ix:owner:' .. from, id)
  end
end

-- Take a lead out of every index: its owner's and its company's.
-- received_at: when it arrived (its company period).
local function index_drop(id, owner, company, received_at)
  if owner and owner ~= '' then redis.call('ZREM', P .. ':ix:owner:' .. owner, id) end
  if company and company ~= '' and received_at then
    redis.call('ZREM', index_company_key(tonumber(received_at)), company .. '\31' .. id)
  end
end
