-- Appends an epoch (ARGV[3], its number ARGV[4]) to a trial's curve (KEYS[2]) only from the
-- attempt that holds the trial (ARGV[2], its attempt token; the record is field ARGV[1] of
-- KEYS[1]) while it runs; 0 otherwise, and the attempt stops. An epoch the curve already ends
-- with is not pushed again: when a connection drops after Redis ran the script but before its
-- reply arrived, ioredis sends the command again on reconnect, and a plain RPUSH then stored the
-- epoch twice (CI, stop 39: a curve 1, 1, 2, ... after a Redis kill -9).
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local ok, t = pcall(cjson.decode, raw)
if not ok or t['state'] ~= 'running' or t['attemptToken'] ~= ARGV[2] then return 0 end
local last = redis.call('LINDEX', KEYS[2], -1)
if last then
  local okLast, r = pcall(cjson.decode, last)
  if okLast and type(r) == 'table' and tonumber(r['epoch']) and tonumber(r['epoch']) >= tonumber(ARGV[4]) then
    return redis.call('LLEN', KEYS[2])
  end
end
return redis.call('RPUSH', KEYS[2], ARGV[3])
