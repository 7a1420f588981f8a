-- uses: keys
-- idempotency.lua: a request may carry an idempotency key (a lead's
-- Idempotency-Key or a source's event id, an inbound lead event's id): the
-- same request again within the window changes nothing. A key holds
-- 'lead id|fingerprint', the daemon's hash of what was asked, so that the
-- key reused for a different request is told from a replay. A value without
-- a fingerprint (written before there were any), like a request without one,
-- matches any.

-- The lead a key's value v names and whether a request of fingerprint fp
-- reuses the key for something else; nil when there is no value.
local function idem_read(v, fp)
  if not v then return nil end
  local bar = string.find(v, '|', 1, true)
  if not bar then return v, false end
  local was = string.sub(v, bar + 1)
  return string.sub(v, 1, bar - 1), fp ~= '' and was ~= '' and was ~= fp
end

-- What a key holds for lead_id, first used by a request of fingerprint fp.
local function idem_value(lead_id, fp)
  if fp == '' then return lead_id end
  return lead_id .. '|' .. fp
end

-- Inbound lead events (touches, stage moves): the lead the event id was first
-- used for and whether fp differs from that request's, or nil.
local function event_seen(idem, fp)
  if idem == '' then return nil end
  return idem_read(redis.call('GET', key('idem', 'ev', idem)), fp)
end

-- The answer to an inbound lead event whose id was used before, or nil for a
-- new one: another lead's id is a conflict; the same lead with another
-- request, a reuse; else a replay, mid (touch's "first" flag, the owner
-- script's "changed") between the word and the lead when given.
local function event_repeat(idem, fp, id, mid)
  local seen, reused = event_seen(idem, fp)
  if not seen then return nil end
  if seen ~= id then return { 'idem_conflict', seen } end
  local lead = redis.call('HGETALL', key('lead', id))
  if reused then return { 'idem_reused', lead } end
  if mid ~= nil then return { 'replay', mid, lead } end
  return { 'replay', lead }
end

local function event_remember(idem, lead_id, fp, window_ms)
  if idem ~= '' then
    redis.call('SET', key('idem', 'ev', idem), idem_value(lead_id, fp), 'PX', window_ms)
  end
end
