-- keys.lua: what every script starts from. ARGV[1] key prefix, ARGV[2] now
-- (epoch ms, the daemon's clock), ARGV[3] approximate maximum length of the
-- event stream; and the key names built from the prefix.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local STREAM_MAXLEN = ARGV[3]

local function key(...)
  return P .. ':' .. table.concat({...}, ':')
end

-- The keys every routing call touches, spelled out once.
local K_REP_STATUS, K_REP_OPEN, K_POOL_OPEN = P .. ':rep_status', P .. ':rep_open', P .. ':pool_open'
local K_DEADLINES, K_EVENTS = P .. ':deadlines', P .. ':events'
local K_ESC_EVENTS = P .. ':escalation_events'
