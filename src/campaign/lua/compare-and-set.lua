-- Sets a JSON record only if its revision is still the one the caller read (compare-and-set).
-- One hash holds the records (KEYS[2]), another their revisions (KEYS[3]): every key of a
-- campaign shares the hash tag {id}, so the script stays within one cluster slot.
-- ARGV: 1 fence epoch, 2 field, 3 revision field, 4 revision read, 5 new JSON,
-- 6 trial number ('' when not a trial), 7 the trial's summary. KEYS[6]: the summaries hash.
-- Returns the new revision, or -1 when the record changed since it was read.
local rev = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
if rev ~= tonumber(ARGV[4]) then return -1 end
local previous = false
if ARGV[6] ~= '' then previous = redis.call('HGET', KEYS[2], ARGV[2]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[3], rev + 1)
trackTrial(ARGV[6], previous or nil, ARGV[5], KEYS[6], ARGV[7])
return rev + 1
