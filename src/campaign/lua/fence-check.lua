-- A driver's fence, first in every fenced script. A driver claims its campaign by taking the
-- next epoch (HINCRBY); every write it makes carries that epoch (ARGV[1]), and Redis refuses it
-- once a newer driver has claimed the campaign (KEYS[1], the counters hash). So a driver that
-- lost its job (its lock expired while Redis was away, or its process was paused) cannot write
-- beside its successor, even before it notices. ARGV[1] '' writes unfenced (a worker's write).
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'driver-epoch') ~= ARGV[1] then
  return redis.error_reply('LGTFENCED')
end
