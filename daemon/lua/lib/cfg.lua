-- uses: keys
-- cfg.lua: what the scripts need of the daemon's config, read once per call.
--
-- The daemon publishes what the scripts need from its config into <prefix>:cfg
-- (see sla.c): 'clocks' (the clock list), 'levels' (the default escalation
-- policy), 'pool:<id>' ({cal, sla, levels}) and 'rep:<id>' ({cal}); and each
-- calendar's open hours for the coming weeks as <prefix>:cal:<id>, a sorted
-- set of "start:end" windows (epoch ms) scored by their end.

local K_CFG = P .. ':cfg'
local CFG = {}
local function cfg_get(field)
  local v = CFG[field]
  if v == nil then
    local raw = redis.call('HGET', K_CFG, field)
    v = raw and cjson.decode(raw) or false
    CFG[field] = v
  end
  return v
end

-- Read several fields in one call (the hot path needs three).
local function cfg_prefetch(fields)
  local want = {}
  for _, f in ipairs(fields) do
    if CFG[f] == nil then want[#want + 1] = f end
  end
  if #want == 0 then return end
  local raw = redis.call('HMGET', K_CFG, unpack(want))
  for i, f in ipairs(want) do CFG[f] = raw[i] and cjson.decode(raw[i]) or false end
end

-- The clocks, each with its stop events as a set.
local function cfg_clocks()
  local clocks = cfg_get('clocks') or {}
  if clocks[1] and not clocks[1].stopset then
    for _, c in ipairs(clocks) do
      c.stopset = {}
      for _, e in ipairs(c.stop) do c.stopset[e] = true end
    end
  end
  return clocks
end

local function cfg_clock(name)
  for _, c in ipairs(cfg_clocks()) do
    if c.name == name then return c end
  end
  return nil
end

local function cfg_pool(pool)
  return (pool and pool ~= '' and cfg_get('pool:' .. pool)) or {}
end
