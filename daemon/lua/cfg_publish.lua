-- uses: keys, cfg
-- cfg_publish.lua: publish what the scripts need from the daemon's config, in
-- one step so no script sees half of it: the clocks, escalation policies and
-- pool and rep settings (<prefix>:cfg), and each calendar's open windows.
-- ARGV[4] {field: text} for <prefix>:cfg (replaced whole), [5] {calendar id:
-- ["start:end", ...]} (each replaced whole), [6] the config version, [7] its
-- rules' names in order (JSON), kept in <prefix>:cfg:rules by version for
-- the leads it decided.
local fields = cjson.decode(ARGV[4])
local cals = cjson.decode(ARGV[5])
redis.call('DEL', K_CFG)
local args = { 'version', ARGV[6] }
for k, v in pairs(fields) do
  args[#args + 1] = k
  args[#args + 1] = v
end
redis.call('HSET', K_CFG, unpack(args))
redis.call('HSET', key('cfg', 'rules'), ARGV[6], ARGV[7])
for id, windows in pairs(cals) do
  local ck = key('cal', id)
  redis.call('DEL', ck)
  local z = {}
  for _, w in ipairs(windows) do
    z[#z + 1] = tonumber(string.match(w, ':(%d+)$'))
    z[#z + 1] = w
    if #z >= 1000 then
      redis.call('ZADD', ck, unpack(z))
      z = {}
    end
  end
  if #z > 0 then redis.call('ZADD', ck, unpack(z)) end
end
return #args / 2
