-- keys.lua: what every script starts from. ARGV[1] key prefix, ARGV[2] now
-- (epoch ms, the daemon's clock), ARGV[3] approximate maximum length of the
-- event stream; and the key names built from the prefix.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
-- Now as the daemon sent it: what goes into commands. Redis formats a Lua
-- number given to redis.call with "%.17g", which costs more than the
-- command; numbers the scripts compute go as num_text(n).
local NOW_S = ARGV[2]
local STREAM_MAXLEN = ARGV[3]

-- Small whole numbers' text (sequence numbers, counts), made once.
local SMALL_INTS = {}	-- kept across calls

-- A number as redis.call would send it, the common integer the fast way.
local function num_text(n)
  if n == math.floor(n) and n > -1e15 and n < 1e15 then
    if n < 0 or n >= 1024 then return string.format('%d', n) end
    local s = SMALL_INTS[n]
    if not s then
      s = string.format('%d', n)
      SMALL_INTS[n] = s
    end
    return s
  end
  return n
end

-- The items of a comma-separated list (empty ones left out), as a table:
-- a plain find per comma, where string.gmatch would match a class per byte.
local function list_items(s)
  local out, i = {}, 1
  while true do
    local j = string.find(s, ',', i, true)
    if not j then
      if i <= #s then out[#out + 1] = string.sub(s, i) end
      return out
    end
    if j > i then out[#out + 1] = string.sub(s, i, j - 1) end
    i = j + 1
  end
end

local function key(a, b, c, ...)
  -- Up to three parts without a table (the hot path's keys).
  if ... == nil then
    if c ~= nil then return P .. ':' .. a .. ':' .. b .. ':' .. c end
    if b ~= nil then return P .. ':' .. a .. ':' .. b end
    return P .. ':' .. a
  end
  return P .. ':' .. table.concat({ a, b, c, ... }, ':')
end

-- The keys every routing call touches, spelled out once.
local K_REP_STATUS, K_REP_OPEN, K_POOL_OPEN = P .. ':rep_status', P .. ':rep_open', P .. ':pool_open'
local K_DEADLINES, K_EVENTS = P .. ':deadlines', P .. ':events'
local K_ESC_EVENTS = P .. ':escalation_events'
