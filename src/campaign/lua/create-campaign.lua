-- Creates a campaign (KEYS[1], the campaign hash; KEYS[2], its counters) in one step: its record
-- (ARGV[1]), its revision and the store version that wrote it (ARGV[2]), and the marks that say
-- its trials are tallied and summarized as they are written (see track-trial.lua). 0 when the
-- campaign exists already (nothing is touched).
if redis.call('HSETNX', KEYS[1], 'record', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rev', 1, 'version', ARGV[2])
redis.call('HSET', KEYS[2], 'tallied', 1, 'summarized', 1)
return 1
