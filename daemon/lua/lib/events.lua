-- uses: keys
-- events.lua: lead events, into the lead's history and the event stream.

-- The event stream's consumer groups by name, each a table of XINFO GROUPS's
-- fields (none before the stream exists).
local function stream_groups()
  local by_name = {}
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', K_EVENTS)
  for _, g in ipairs(ok and groups or {}) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    by_name[info.name] = info
  end
  return by_name
end

-- Append one entry to the event stream; extra is a flat list of field, value.
local function stream_add(kind, extra)
  redis.call('XADD', K_EVENTS, 'MAXLEN', '~', STREAM_MAXLEN, '*',
    'type', kind, 'at', NOW_S, unpack(extra))
end

-- Turn events into history entries and stream entries. Arguments after the
-- lead id and its last event's sequence number come in pairs: kind, {field,
-- value, ...}; a list's `stream` member, {field, value, ...}, goes to the
-- stream entry only (what the scorecard reads and the history need not show). Each stream entry carries the lead and its own sequence
-- number (the order of the lead's events, for subscribers). Returns the
-- entries as JSON text joined by commas, for the lead's history, and the
-- last sequence number.
local function record(lead_id, seq, ...)
  local args = {...}
  local items = {}
  for i = 1, #args, 2 do
    local kind, extra = args[i], args[i + 1]
    local ev = { type = kind, at = NOW }
    for j = 1, #extra, 2 do ev[extra[j]] = extra[j + 1] end
    items[#items + 1] = cjson.encode(ev)
    seq = seq + 1
    extra[#extra + 1] = 'lead'
    extra[#extra + 1] = lead_id
    extra[#extra + 1] = 'seq'
    extra[#extra + 1] = num_text(seq)
    if extra.stream then
      for _, v in ipairs(extra.stream) do extra[#extra + 1] = v end
    end
    stream_add(kind, extra)
  end
  return table.concat(items, ','), seq
end

-- Append field, value to a flat list when the value is not ''.
local function push_opt(list, field, value)
  if value ~= nil and value ~= '' then
    list[#list + 1] = field
    list[#list + 1] = value
  end
end

-- Record events of an existing lead: its history (a JSON array in the lead's
-- hash) grows by them, and they go to the stream.
local function emit(lead_id, ...)
  local lk = P .. ':lead:' .. lead_id
  local h = redis.call('HMGET', lk, 'events', 'seq')
  local history = h[1] or '[]'
  -- A lead stored before sequence numbers: count its history's entries.
  local seq = tonumber(h[2]) or select(2, string.gsub(history, '"type":', ''))
  local items, last = record(lead_id, seq, ...)
  if history ~= '[]' then items = ',' .. items end
  redis.call('HSET', lk, 'events', string.sub(history, 1, -2) .. items .. ']', 'seq', num_text(last))
end
