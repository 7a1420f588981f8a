-- uses: keys, notify
-- review_send.lua: queue a review digest to each recipient as notification
-- jobs (delivered, retried and dead-lettered like every job, see notify.c),
-- after claiming the review's due time, so that of daemons sharing Redis
-- exactly one sends each scheduled review.
--
-- ARGV[4] the claim ('' to send without one: a review sent on request),
-- [5] how long the claim is kept (ms), [6] the digest (JSON text, the job's
-- data), then the recipients ('review:slack:#revops', 'review:email:…').
-- Returns {1, jobs queued}, or {0, 0} when another daemon claimed it first.
if ARGV[4] ~= '' then
  if not redis.call('SET', key('review', ARGV[4]), NOW, 'NX', 'PX', ARGV[5]) then
    return { 0, 0 }
  end
end
local event = '{"type":"review.digest","at":' .. NOW .. ',"data":' .. ARGV[6] .. '}'
local group
for i = 7, #ARGV do
  local nid = notify_enqueue_event(ARGV[i], '', '', event, group)
  group = group or ('g' .. nid)
end
return { 1, #ARGV - 6 }
