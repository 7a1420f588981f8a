-- common.lua: prepended to every script at build time.
-- ARGV[1] key prefix, ARGV[2] now (epoch ms, the daemon's clock),
-- ARGV[3] approximate maximum length of the event stream.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local STREAM_MAXLEN = ARGV[3]

local function key(...)
  return P .. ':' .. table.concat({...}, ':')
end

-- Append one entry to the event stream; extra is a flat list of field, value.
local function stream_add(kind, extra)
  redis.call('XADD', key('events'), 'MAXLEN', '~', STREAM_MAXLEN, '*',
    'type', kind, 'at', NOW, unpack(extra))
end

-- Turn events into history entries and stream entries. Arguments after the
-- lead id come in pairs: kind, {field, value, ...}. Returns the entries as
-- JSON text joined by commas, for the lead's history.
local function record(lead_id, ...)
  local args = {...}
  local items = {}
  for i = 1, #args, 2 do
    local kind, extra = args[i], args[i + 1]
    local ev = { type = kind, at = NOW }
    for j = 1, #extra, 2 do ev[extra[j]] = extra[j + 1] end
    items[#items + 1] = cjson.encode(ev)
    extra[#extra + 1] = 'lead'
    extra[#extra + 1] = lead_id
    stream_add(kind, extra)
  end
  return table.concat(items, ',')
end

-- Record events of an existing lead: its history (a JSON array in the lead's
-- hash) grows by them, and they go to the stream.
local function emit(lead_id, ...)
  local lk = P .. ':lead:' .. lead_id
  local history = redis.call('HGET', lk, 'events') or '[]'
  local items = record(lead_id, ...)
  if history ~= '[]' then items = ',' .. items end
  redis.call('HSET', lk, 'events', string.sub(history, 1, -2) .. items .. ']')
end

-- Stride-scheduled round robin over reps (ids in rotation order), with its
-- state in one hash per pool: rep -> pass, rep~n -> pick number of the rep's
-- last lead, ~vt -> virtual time, ~n -> picks so far. The available rep with
-- the lowest pass goes next; on a tie, the one assigned longest ago (never
-- assigned: rotation order). A pass never lags the virtual time, so a rep
-- returning from away rejoins the rotation instead of collecting a backlog.
local function pick_rep(pool, reps)
  if #reps == 0 then return nil end
  local rk = key('pool', pool, 'rotation')
  local fields = { '~vt', '~n' }
  for _, rep in ipairs(reps) do
    fields[#fields + 1] = rep
    fields[#fields + 1] = rep .. '~n'
  end
  local status = redis.call('HMGET', key('rep_status'), unpack(reps))
  local state = redis.call('HMGET', rk, unpack(fields))
  local vt = tonumber(state[1]) or 0
  local best, best_pass, best_last
  for i, rep in ipairs(reps) do
    local st = status[i]
    if not st or st == 'available' then
      local p = tonumber(state[2 * i + 1]) or vt
      local l = tonumber(state[2 * i + 2]) or 0
      if p < vt then p = vt end
      if best == nil or p < best_pass or (p == best_pass and l < best_last) then
        best, best_pass, best_last = rep, p, l
      end
    end
  end
  if best then
    local n = (tonumber(state[2]) or 0) + 1
    redis.call('HSET', rk, best, best_pass + 1, best .. '~n', n, '~vt', best_pass, '~n', n)
  end
  return best
end

-- The owner's side of an assignment: an open lead and a first-touch deadline.
local function start_first_touch(id, rep, due)
  redis.call('HINCRBY', key('rep_open'), rep, 1)
  redis.call('ZADD', key('deadlines'), due, 'first_touch:' .. id)
end

-- Assign queued leads of each pool ({id=, reps={...}}) in arrival order while
-- a rep is available, at most limit in all. Appends to out; returns true when
-- it stopped at the limit (so there may be more to do).
local function drain_pools(pools, limit, out)
  for _, pool in ipairs(pools) do
    local qk = key('pool', pool.id, 'queue')
    while true do
      if #out >= limit then return true end
      local head = redis.call('ZRANGE', qk, 0, 0)
      if #head == 0 then break end
      local id = head[1]
      local lk = key('lead', id)
      local st = redis.call('HMGET', lk, 'status', 'ft_sla')
      if st[1] ~= 'queued' then
        redis.call('ZREM', qk, id)
      else
        local rep = pick_rep(pool.id, pool.reps)
        if not rep then break end
        local due = NOW + tonumber(st[2])
        redis.call('ZREM', qk, id)
        redis.call('ZREM', key('deadlines'), 'route:' .. id)
        redis.call('HSET', lk, 'status', 'assigned', 'owner', rep, 'assigned_at', NOW, 'ft_due', due)
        start_first_touch(id, rep, due)
        emit(id, 'assigned', { 'rep', rep, 'pool', pool.id })
        out[#out + 1] = { lead = id, rep = rep, pool = pool.id, ft_due = due }
      end
    end
  end
  return false
end
