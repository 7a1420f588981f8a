-- uses: keys
-- erase_stream.lua: delete the stream entries of erased leads, a page at a
-- time so Redis is never held long: the event stream, then the escalation
-- feed (whose entries carry their event as JSON).
--
-- ARGV[4] which stream ('events' or 'escalation_events'), [5] the last id
-- read ('0-0' to begin), [6] entries to read at most, [7] lead ids
-- (comma-separated). Returns {entries deleted, the last id read or '' when
-- the stream is done}, shaped like erase's answer.
local which, cursor, count, ids = ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
local sk = which == 'events' and K_EVENTS or K_ESC_EVENTS
local wanted = {}
for id in string.gmatch(ids, '[^,]+') do wanted[id] = true end

local entries = redis.call('XRANGE', sk, '(' .. cursor, '+', 'COUNT', count)
local gone = {}
for _, e in ipairs(entries) do
  local f = e[2]
  -- The erasure's own entry (type erased, the lead's id only) stays for subscribers.
  for i = 1, (f[2] == 'erased' and 0 or #f), 2 do
    local v = f[i + 1]
    if (f[i] == 'lead' and wanted[v]) or
        (f[i] == 'data' and string.match(v, '"lead":"([^"]+)"') and
          wanted[string.match(v, '"lead":"([^"]+)"')]) then
      gone[#gone + 1] = e[1]
      break
    end
  end
end
if #gone > 0 then redis.call('XDEL', sk, unpack(gone)) end
if #entries < count then return { #gone, '' } end
return { #gone, entries[#entries][1] }
