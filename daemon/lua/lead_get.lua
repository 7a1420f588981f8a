-- uses: keys
-- lead_get.lua: a lead, its history included. ARGV[4] lead id, [5] the
-- running config's version ('' to skip what follows). A lead decided under
-- another config gets that version's rule names (JSON) as '~rules'.
-- Returns the lead's hash as field, value, ... (empty when there is no such lead).
local h = redis.call('HGETALL', P .. ':lead:' .. ARGV[4])
local current = ARGV[5] or ''
if current ~= '' and #h > 0 then
  for i = 1, #h, 2 do
    if h[i] == 'config_version' then
      if h[i + 1] ~= current then
        local names = redis.call('HGET', key('cfg', 'rules'), h[i + 1])
        if names then
          h[#h + 1] = '~rules'
          h[#h + 1] = names
        end
      end
      break
    end
  end
end
return h
