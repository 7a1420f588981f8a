-- uses: keys
-- scorecard.lua: sum the aggregates of the buckets covering a range (see
-- agg_apply.lua). ARGV[4] the dimension to group by ('' for none), then the
-- bucket names. Returns {field, count, ...} with fields as
-- "<dim>\31<value>\31<metric>" for the all, attr and grouping dimensions, and
-- then 1 when the aggregates had folded every event, else 0.
local by = ARGV[4]
local dims = { 'all', 'attr' }
if by ~= '' then dims[#dims + 1] = by end
local sums, order = {}, {}
for i = 5, #ARGV do
  for _, dim in ipairs(dims) do
    local h = redis.call('HGETALL', key('sc', ARGV[i], dim))
    for j = 1, #h, 2 do
      local f = dim .. '\31' .. h[j]
      local v = sums[f]
      if v == nil then order[#order + 1] = f end
      sums[f] = (v or 0) + tonumber(h[j + 1])
    end
  end
end
local out = {}
for _, f in ipairs(order) do
  out[#out + 1] = f
  out[#out + 1] = sums[f]
end
local last = redis.call('XREVRANGE', K_EVENTS, '+', '-', 'COUNT', 1)
local cursor = redis.call('GET', key('sc', 'cursor')) or '0-0'
return { out, (#last == 0 or last[1][1] == cursor) and 1 or 0 }
