-- What every trial write keeps up to date besides the record (`member` its number, '' for a
-- write that is not a trial's; `old` and `new` the record's JSON before and after, old nil for
-- a new trial), so that nothing a person waits for reads every trial:
-- - KEYS[4], a sorted set of trial numbers scored by the campaign's change sequence: what
--   changed since a reader last looked (CampaignStore.trialsChangedSince);
-- - in the counters hash (KEYS[1]), trials by state ("state:<name>") and the epochs run in all;
-- - KEYS[5], the set of running trials;
-- - `summaries`, a hash of each trial's summary (`summary`, made by the caller: see
--   summaryJson), a tenth of a record: what the dashboard's first look reads.
-- See CampaignStore.trialTally and CampaignStore.trialSummaries.
local function trackTrial(member, old, new, summaries, summary)
  if member == '' then return end
  redis.call('ZADD', KEYS[4], redis.call('HINCRBY', KEYS[1], 'trial-changes', 1), member)
  redis.call('HSET', summaries, member, summary)
  local function facts(raw)
    if not raw then return nil, 0 end
    local ok, t = pcall(cjson.decode, raw)
    if not ok then return nil, 0 end
    return t['state'], tonumber(t['epochsRun']) or 0
  end
  local oldState, oldEpochs = facts(old)
  local newState, newEpochs = facts(new)
  if oldState ~= newState then
    if oldState then redis.call('HINCRBY', KEYS[1], 'state:' .. oldState, -1) end
    if newState then redis.call('HINCRBY', KEYS[1], 'state:' .. newState, 1) end
  end
  if newEpochs ~= oldEpochs then
    redis.call('HINCRBYFLOAT', KEYS[1], 'epochs-run', newEpochs - oldEpochs)
  end
  if newState == 'running' then
    redis.call('SADD', KEYS[5], member)
  else
    redis.call('SREM', KEYS[5], member)
  end
end
