-- Appends an event (ARGV[3]) to the stream (KEYS[2], capped near ARGV[2]), fenced like the
-- records (see fence-check.lua).
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[3])
