-- uses: keys
-- idempotency.lua: inbound lead events (touches, stage moves) may carry the
-- sender's event id: a replay within the window changes nothing.

-- Returns the lead the key was first used for, or nil.
local function event_seen(idem)
  if idem == '' then return nil end
  return redis.call('GET', key('idem', 'ev', idem))
end

local function event_remember(idem, lead_id, window_ms)
  if idem ~= '' then redis.call('SET', key('idem', 'ev', idem), lead_id, 'PX', window_ms) end
end
