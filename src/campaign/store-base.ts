import type { RedisClient } from '../queue/redis-connection.ts';
import type { z } from 'zod';
import { CampaignRecordSchema, type CampaignRecord } from '../contracts/campaign-record.ts';
import { InvalidStoredRecordError, parseStored } from '../contracts/stored-record.ts';
import {
  TrialRecordSchema,
  TRIAL_STATES,
  type TrialSummary,
  type TrialRecord,
  type TrialState,
} from '../contracts/trial-record.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { campaignKeys, type CampaignKeys } from './store-keys.ts';
import { STORE_SCRIPTS } from './store-scripts.ts';
import { FencedOutError } from './store-errors.ts';

/** Events kept per campaign; older ones are trimmed (the report keeps the full story). */
export const EVENT_STREAM_CAP = 20_000;

/** A script's LGTFENCED refusal as the FencedOutError it means; anything else as it came. */
export function rethrowFenced(campaignId: string, error: unknown): never {
  if (error instanceof Error && error.message.includes('LGTFENCED'))
    throw new FencedOutError(campaignId);
  throw error;
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type RedisWithScripts = RedisClient & {
  lgtCas(
    counters: string,
    records: string,
    revs: string,
    changes: string,
    running: string,
    summaries: string,
    epoch: string,
    field: string,
    revField: string,
    rev: number,
    json: string,
    changed: string,
    summary: string,
  ): Promise<number>;
  lgtAddTrial(
    counters: string,
    records: string,
    revs: string,
    changes: string,
    running: string,
    events: string,
    summaries: string,
    epoch: string,
    json: string,
    event: string,
    maxTrials: number,
    cap: string,
    summary: string,
  ): Promise<number>;
  lgtAddEvent(
    counters: string,
    events: string,
    epoch: string,
    cap: string,
    entry: string,
  ): Promise<string>;
  lgtCreateCampaign(
    campaign: string,
    counters: string,
    json: string,
    version: string,
  ): Promise<number>;
  lgtAppendEpoch(
    trials: string,
    curve: string,
    field: string,
    token: string,
    json: string,
    epoch: string,
  ): Promise<number>;
};

/**
 * What every part of the campaign store shares (as BullMQ's QueueBase is to its Queue): the Redis
 * connection with the store's scripts defined on it, the campaign's keys, the driver's fence, and
 * the compare-and-set every record change goes through. The parts build on it: StoreTrials (the
 * trials, their curves and predictions), then CampaignStore (campaigns, the log, state, LLM use,
 * reports).
 */
export class StoreBase {
  protected readonly redis: RedisWithScripts;

  constructor(
    redis: RedisClient,
    protected readonly prefix = 'lgt',
    /** Set on a driver's view of the store (see fencedFor): its writes carry the epoch. */
    protected readonly fence?: { campaignId: string; epoch: number },
  ) {
    this.redis = redis as RedisWithScripts;
    if (!('lgtCas' in redis))
      for (const [name, script] of Object.entries(STORE_SCRIPTS)) redis.defineCommand(name, script);
  }

  /** A campaign's keys (see store-keys.ts). */
  protected keys(id: string): CampaignKeys {
    return campaignKeys(this.prefix, id);
  }

  /** The epoch a write to campaign `id` carries: this driver's, or '' (not fenced). */
  protected epochFor(id: string): string {
    return this.fence?.campaignId === id ? String(this.fence.epoch) : '';
  }

  /** True while this view's driver still holds the campaign (always true when not fenced). */
  async holdsFence(): Promise<boolean> {
    if (!this.fence) return true;
    const current = await this.redis.hget(
      this.keys(this.fence.campaignId).counters,
      'driver-epoch',
    );
    return current === String(this.fence.epoch);
  }

  /**
   * Reads a JSON record and its revision, applies `change`, and writes the result only if the
   * revision is unchanged (retrying otherwise), and (on a driver's view) only while the driver
   * holds the campaign. Without `create`, a missing record stays missing.
   */
  protected async compareAndSet<T>(
    id: string,
    recordKey: string,
    revKey: string,
    field: string,
    revField: string,
    change: (current: T | null) => T | null,
    parse: (raw: unknown) => T,
    create = false,
    /** A trial's record: its number goes into the change log (trialsChangedSince). */
    logsChange = false,
  ): Promise<T | null> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const [[, raw], [, rev]] = (await this.redis
        .pipeline()
        .hget(recordKey, field)
        .hget(revKey, revField)
        .exec()) as [[unknown, string | null], [unknown, string | null]];
      if (raw === null && !create) return null;
      const next = change(raw === null ? null : parse(JSON.parse(raw)));
      if (next === null) return null;
      const stored = await this.redis
        .lgtCas(
          this.keys(id).counters,
          recordKey,
          revKey,
          this.keys(id).trialChanges,
          this.keys(id).running,
          this.keys(id).summaries,
          this.epochFor(id),
          field,
          revField,
          Number(rev ?? 0),
          redactedJson(next),
          logsChange ? field : '',
          logsChange ? summaryJson(next as TrialRecord) : '',
        )
        .catch((error: unknown) => rethrowFenced(id, error));
      if (stored !== -1) return next;
    }
    throw new Error(`could not update ${recordKey} ${field}: too many concurrent changes`);
  }
}

/** Trials by state from the counters hash's tally (see lua/track-trial.lua). */
export function countsOf(counters: Record<string, string>): Record<TrialState, number> {
  return Object.fromEntries(
    TRIAL_STATES.map((s) => [s, Number(counters[`state:${s}`] ?? 0)]),
  ) as Record<TrialState, number>;
}

/** A trial's summary (TrialSummary) as JSON: the fields a long listing shows. */
export function summaryJson(t: TrialRecord): string {
  const summary: TrialSummary = { number: t.number, state: t.state, source: t.source };
  if (t.value !== undefined) summary.value = t.value;
  if (t.seconds !== undefined) summary.seconds = t.seconds;
  if (t.epochsRun !== undefined) summary.epochsRun = t.epochsRun;
  return redactedJson(summary);
}

/** JSON for Redis, with every secret this process knows taken out (see secrets.ts). */
export function redactedJson(value: unknown): string {
  return redactSecrets(JSON.stringify(value));
}

export function parseCampaign(key: string, id: string, raw: string | unknown): CampaignRecord {
  return decode(CampaignRecordSchema, `campaign ${id}'s record (${key})`, raw);
}

export function parseTrial(key: string, id: string, raw: string | unknown): TrialRecord {
  return decode(TrialRecordSchema, `a trial record of campaign ${id} (${key})`, raw);
}

/** Stored JSON through its schema: anything else is an error naming where it was. */
export function decode<S extends z.ZodType>(
  schema: S,
  what: string,
  raw: string | unknown,
): z.output<S> {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidStoredRecordError(what, ['not JSON']);
    }
  }
  return parseStored(schema, what, value);
}
