-- Adds a trial under the next number, atomically: no two trials ever share a number, and no
-- trial is added beyond the budget (ARGV[4]; -1 then). With an event (ARGV[3]), its "trial" is
-- set to that number and it joins the event stream (KEYS[6], capped near ARGV[5]) in the same
-- step, so a driver killed in between cannot leave a trial whose proposal the log never shows.
-- ARGV[2] is the record and ARGV[6] its summary, both with "number":0; KEYS[7] the summaries.
if tonumber(redis.call('HGET', KEYS[1], 'trials') or '0') >= tonumber(ARGV[4]) then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'trials', 1)
local record = string.gsub(ARGV[2], '"number":0', '"number":' .. n, 1)
redis.call('HSET', KEYS[2], n, record)
redis.call('HSET', KEYS[3], n, 1)
if ARGV[3] ~= '' then
  local event = string.gsub(ARGV[3], '"trial":0', '"trial":' .. n, 1)
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[5], '*', 'e', event)
end
local summary = string.gsub(ARGV[6], '"number":0', '"number":' .. n, 1)
trackTrial(tostring(n), nil, record, KEYS[7], summary)
return n
