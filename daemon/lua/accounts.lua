-- uses: keys
-- accounts.lua: the accounts leads can be matched to by email domain.
-- P:account_owner maps domain -> rep (what routing reads); P:account holds
-- the full record as JSON. ARGV[4] is the operation:
--   put, domain, owner, name, source       -> {created = bool, account = …}
--   get, domain                            -> {account = …} or {}
--   del, domain                            -> {deleted = bool}
--   import, source, n, then n of domain, owner, name -> {imported = n}
--   list, cursor, count                    -> {accounts = […], cursor = …}
local op = ARGV[4]
local ok, ak = key('account_owner'), key('account')

local function put(domain, owner, name, source)
  local rec = cjson.encode({ domain = domain, owner = owner, name = name, source = source,
    updated_at = NOW })
  redis.call('HSET', ok, domain, owner)
  return redis.call('HSET', ak, domain, rec) == 1, rec
end

if op == 'put' then
  local created, rec = put(ARGV[5], ARGV[6], ARGV[7], ARGV[8])
  return cjson.encode({ created = created, account = cjson.decode(rec) })
elseif op == 'get' then
  local rec = redis.call('HGET', ak, ARGV[5])
  if not rec then return cjson.encode({}) end
  return cjson.encode({ account = cjson.decode(rec) })
elseif op == 'del' then
  redis.call('HDEL', ok, ARGV[5])
  return cjson.encode({ deleted = redis.call('HDEL', ak, ARGV[5]) == 1 })
elseif op == 'import' then
  local n = tonumber(ARGV[6])
  for i = 0, n - 1 do
    put(ARGV[7 + 3 * i], ARGV[8 + 3 * i], ARGV[9 + 3 * i], ARGV[5])
  end
  return cjson.encode({ imported = n })
elseif op == 'list' then
  local r = redis.call('HSCAN', ak, ARGV[5], 'COUNT', ARGV[6])
  local out = {}
  for i = 2, #r[2], 2 do out[#out + 1] = cjson.decode(r[2][i]) end
  return cjson.encode({ cursor = r[1], accounts = out })
end
return redis.error_reply('unknown accounts operation')
