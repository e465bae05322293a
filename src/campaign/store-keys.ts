/**
 * Every Redis key lgt's campaign store uses, in one place (as BullMQ keeps its keys in one
 * table): <prefix>:{<id>}:<what> for a campaign's keys, <prefix>:campaigns for the index.
 *
 * The campaign's hash tag is the only one, so on a Redis Cluster each campaign's keys share a
 * slot (every script stays within it) and campaigns spread over the nodes; a prefix given as a
 * tag for BullMQ ("{lgt}") loses its braces here, or it would be the tag and put every campaign
 * in one slot.
 */
export function campaignKeys(prefix: string, id: string) {
  const base = `${untagged(prefix)}:{${id}}`;
  return {
    /** Hash: `record` (the campaign's JSON), `rev`, and `version` (the STORE_VERSION that wrote it). */
    campaign: `${base}:campaign`,
    /** Hash: the driver's epoch (the fence), trial numbers, change sequence, state tallies, epochs run, LLM usage. */
    counters: `${base}:counters`,
    /** Stream: the campaign's events. */
    events: `${base}:events`,
    /** Hash: each trial's predictions (for ensembles). */
    predictions: `${base}:predictions`,
    /** String: the report's head. */
    report: `${base}:report`,
    /** Set: the numbers of the running trials. */
    running: `${base}:running`,
    /** Hash: named state (strategies', the final run's) and its revisions beside it. */
    state: `${base}:state`,
    stateRevs: `${base}:state-revs`,
    /** Hash: each trial's summary (a tenth of its record). */
    summaries: `${base}:summaries`,
    /** Sorted set: trial numbers scored by the change sequence at their last write. */
    trialChanges: `${base}:trial-changes`,
    /** Hash: trial records by number, and their revisions beside it. */
    trials: `${base}:trials`,
    trialRevs: `${base}:trial-revs`,
    /** List: a trial's learning curve, an epoch per entry. */
    curve: (trial: number) => `${base}:curve:${trial}`,
  };
}

export type CampaignKeys = ReturnType<typeof campaignKeys>;

/**
 * The layout and record schemas this lgt writes and reads. A campaign written by another version
 * is refused with both versions named, not read through compatibility paths: version 2 is the
 * first with records that are their schemas (lgt 0.1 after issue 32), with the trial tally and
 * summaries from the start. Raise it when a stored shape changes.
 */
export const STORE_VERSION = 2;

/** Sorted set: every campaign's id, scored by its creation time. */
export function campaignIndexKey(prefix: string): string {
  return `${untagged(prefix)}:campaigns`;
}

function untagged(prefix: string): string {
  return prefix.replace(/[{}]/g, '');
}
