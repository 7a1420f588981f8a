-- uses: keys
-- definitions.lua: the history of the shared definitions (stages, reasons,
-- scoring, clocks). ARGV[4] 'record' or 'list'.
-- record: [5] definitions version (hash of the document), [6] config version,
-- [7] the definitions document (JSON), [8] changelog JSON or ''. A version
-- already current is not recorded again; the config version is mapped to it
-- either way. Returns 1 when recorded, else 0.
-- doc: [5] a version. Returns its document, or nil.
-- config: [5] a config version. Returns {definitions version, its document},
-- or nil when that config version was never published.
-- list: [5] most entries, [6] cursor ('' for the newest). Returns
-- {"items": [entries, newest first], "next": cursor or null} as JSON.
local K_HIST, K_DOCS = key('definitions', 'history'), key('definitions', 'docs')
local K_BY_CONFIG = key('definitions', 'by_config')
if ARGV[4] == 'record' then
  redis.call('HSET', K_BY_CONFIG, ARGV[6], ARGV[5])
  local last = redis.call('ZREVRANGE', K_HIST, 0, 0)
  if #last > 0 and cjson.decode(last[1]).version == ARGV[5] then return 0 end
  local seq = redis.call('INCR', key('seq', 'definitions'))
  local entry = { seq = seq, version = ARGV[5], config_version = ARGV[6], at = NOW,
    changelog = ARGV[8] ~= '' and cjson.decode(ARGV[8]) or cjson.null }
  redis.call('ZADD', K_HIST, seq, cjson.encode(entry))
  redis.call('HSETNX', K_DOCS, ARGV[5], ARGV[7])
  return 1
end
if ARGV[4] == 'doc' then return redis.call('HGET', K_DOCS, ARGV[5]) end
if ARGV[4] == 'config' then
  local v = redis.call('HGET', K_BY_CONFIG, ARGV[5])
  local doc = v and redis.call('HGET', K_DOCS, v)
  if not doc then return nil end
  return { v, doc }
end
local limit = tonumber(ARGV[5])
local max = ARGV[6] ~= '' and '(' .. ARGV[6] or '+inf'
local rows = redis.call('ZREVRANGEBYSCORE', K_HIST, max, '-inf', 'LIMIT', 0, limit + 1)
local next_cursor = cjson.null
if #rows > limit then
  rows[#rows] = nil
  next_cursor = tostring(cjson.decode(rows[#rows]).seq)
end
local items = {}
for i, row in ipairs(rows) do items[i] = cjson.decode(row) end
return cjson.encode({ items = items, next = next_cursor })
