-- common.lua: prepended to every script at build time.
-- ARGV[1] key prefix, ARGV[2] now (epoch ms, the daemon's clock),
-- ARGV[3] approximate maximum length of the event stream.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local STREAM_MAXLEN = ARGV[3]

local function key(...)
  return P .. ':' .. table.concat({...}, ':')
end

local function hash_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

-- Append one entry to the event stream; extra is a flat list of field, value.
local function stream_add(kind, extra)
  redis.call('XADD', key('events'), 'MAXLEN', '~', STREAM_MAXLEN, '*',
    'type', kind, 'at', NOW, unpack(extra))
end

-- Record an event in the lead's history and in the event stream.
local function emit(lead_id, kind, extra)
  local ev = { type = kind, at = NOW }
  for i = 1, #extra, 2 do ev[extra[i]] = extra[i + 1] end
  redis.call('RPUSH', key('lead', lead_id, 'events'), cjson.encode(ev))
  extra[#extra + 1] = 'lead'
  extra[#extra + 1] = lead_id
  stream_add(kind, extra)
end

-- Stride-scheduled round robin over reps (ids in rotation order): the
-- available rep with the lowest pass goes next; on a tie, the one assigned
-- longest ago (never assigned: rotation order). A rep's pass never lags the
-- pool's virtual time (~vt), so a rep returning from away rejoins the
-- rotation instead of collecting a backlog of turns.
local function pick_rep(pool, reps)
  if #reps == 0 then return nil end
  local pk = key('pool', pool, 'pass')
  local lk = key('pool', pool, 'last')
  local status = redis.call('HMGET', key('rep_status'), unpack(reps))
  local pass = redis.call('HMGET', pk, '~vt', unpack(reps))
  local last = redis.call('HMGET', lk, '~n', unpack(reps))
  local vt = tonumber(pass[1]) or 0
  local best, best_pass, best_last
  for i, rep in ipairs(reps) do
    local st = status[i]
    if not st or st == 'available' then
      local p = tonumber(pass[i + 1]) or vt
      local l = tonumber(last[i + 1]) or 0
      if p < vt then p = vt end
      if best == nil or p < best_pass or (p == best_pass and l < best_last) then
        best, best_pass, best_last = rep, p, l
      end
    end
  end
  if best then
    local n = (tonumber(last[1]) or 0) + 1
    redis.call('HSET', pk, best, best_pass + 1, '~vt', best_pass)
    redis.call('HSET', lk, best, n, '~n', n)
  end
  return best
end

-- Give lead id to rep and start its first-touch clock; returns the due time.
local function assign(id, rep, pool, ft_sla)
  local due = NOW + ft_sla
  redis.call('HSET', key('lead', id), 'status', 'assigned', 'owner', rep,
    'assigned_at', NOW, 'ft_due', due)
  redis.call('HINCRBY', key('rep_open'), rep, 1)
  redis.call('ZREM', key('deadlines'), 'route:' .. id)
  redis.call('ZADD', key('deadlines'), due, 'first_touch:' .. id)
  emit(id, 'assigned', { 'rep', rep, 'pool', pool })
  return due
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
      local st = redis.call('HMGET', key('lead', id), 'status', 'ft_sla')
      if st[1] ~= 'queued' then
        redis.call('ZREM', qk, id)
      else
        local rep = pick_rep(pool.id, pool.reps)
        if not rep then break end
        redis.call('ZREM', qk, id)
        local due = assign(id, rep, pool.id, tonumber(st[2]))
        out[#out + 1] = { lead = id, rep = rep, pool = pool.id, ft_due = due }
      end
    end
  end
  return false
end
