-- uses: keys, events
-- esc.lua: escalations and their feed.

-- The escalation feed: every escalation, level, ack, resolution, reminder and
-- reassignment, as {type, at, ...} JSON in its own stream (the SSE feed reads
-- it; its ids are the feed's event ids), and in the event stream as well.
local ESC_EVENTS_MAXLEN = 100000
local function esc_publish(kind, pool, obj)
  obj.type = kind
  obj.at = NOW
  local data = cjson.encode(obj)
  redis.call('XADD', K_ESC_EVENTS, 'MAXLEN', '~', ESC_EVENTS_MAXLEN, '*',
    'type', kind, 'pool', pool or '', 'data', data)
  return data
end

-- Escalations: one JSON record per id in <prefix>:escalation, indexed by id in
-- <prefix>:escalations (all), :open and :pool:<id>. The lead lists its open
-- ones in esc_open as "id:clock,...".
local function esc_load(eid)
  local raw = redis.call('HGET', key('escalation'), eid)
  return raw and cjson.decode(raw) or nil
end

local function esc_save(esc)
  redis.call('HSET', key('escalation'), esc.id, cjson.encode(esc))
end

local function esc_unlist(lead_id, eid)
  local lk = P .. ':lead:' .. lead_id
  local open = redis.call('HGET', lk, 'esc_open') or ''
  local kept = {}
  for item in string.gmatch(open, '[^,]+') do
    if string.match(item, '^(%d+):') ~= eid then kept[#kept + 1] = item end
  end
  redis.call('HSET', lk, 'esc_open', table.concat(kept, ','))
end

-- Close an open escalation: acknowledged (by someone) or resolved (by a lead event).
local function esc_close(esc, status, by, note)
  esc.status = status
  esc[status .. '_at'] = NOW
  esc[status .. '_by'] = by
  if note and note ~= '' then esc.note = note end
  esc.next_level_at = nil
  esc_save(esc)
  redis.call('ZREM', key('escalations', 'open'), esc.id)
  redis.call('ZREM', K_DEADLINES, 'esc:' .. esc.id)
  esc_unlist(esc.lead, esc.id)
  emit(esc.lead, 'escalation_' .. status, { 'escalation', esc.id, 'by', by })
  esc_publish(status == 'acknowledged' and 'acknowledged' or 'resolved', esc.pool,
    { escalation = esc.id, lead = esc.lead, clock = esc.clock, pool = esc.pool,
      owner = esc.owner, by = by, note = note ~= '' and note or nil })
end

-- A clock stopped: its open escalations on this lead are resolved.
local function esc_resolve_clock(lead_id, clock, event)
  local open = redis.call('HGET', P .. ':lead:' .. lead_id, 'esc_open')
  if not open or open == '' then return end
  for item in string.gmatch(open, '[^,]+') do
    local eid, c = string.match(item, '^(%d+):(.+)$')
    if c == clock then
      local esc = esc_load(eid)
      if esc and esc.status == 'open' then esc_close(esc, 'resolved', event, '') end
    end
  end
end
