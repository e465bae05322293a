import type { TrialStore } from '../trials/trial-store.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { z } from 'zod';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { CampaignEvent, LoggedEvent } from '../contracts/campaign-events.ts';
import { StoredEventSchema } from '../contracts/campaign-events.ts';
import {
  EpochRecordSchema,
  CampaignRecordSchema,
  CAMPAIGN_ID_PATTERN,
  InvalidStoredRecordError,
  parseStored,
  ReportHeadSchema,
  type CampaignReport,
  type CampaignReportHead,
  TrialRecordSchema,
  TrialSummarySchema,
  TRIAL_STATES,
  type TrialSummary,
  type CampaignRecord,
  type CampaignStatus,
  type LlmUsageRecord,
  type TrialRecord,
  type TrialState,
} from '../contracts/campaign-records.ts';
import type { InvalidCampaignEntry } from '../contracts/campaign-overview.ts';
import { LgtError } from '../errors/lgt-error.ts';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { campaignIndexKey, campaignKeys, STORE_VERSION, type CampaignKeys } from './store-keys.ts';
import { STORE_SCRIPTS } from './store-scripts.ts';

/** Events kept per campaign; older ones are trimmed (the report keeps the full story). */
const EVENT_STREAM_CAP = 20_000;

/** A write refused because a newer driver has claimed the campaign. */
export class FencedOutError extends Error {
  constructor(campaignId: string) {
    super(
      `campaign ${campaignId} is driven by a newer driver: this one lost its job and stops without writing`,
    );
    this.name = 'FencedOutError';
  }
}

/** A trial refused because the campaign already has as many as its budget allows. */
/**
 * A campaign another version of lgt's store wrote (an older lgt's, before records were their
 * schemas, has no version at all): refused rather than read half right.
 */
export class OtherStoreVersionError extends LgtError {
  constructor(id: string, version: string | null, keys: string) {
    super(
      'other-version',
      `campaign ${id} was written by ${version ? `store version ${version}` : 'an lgt from before store versions (version 1)'}; this lgt reads store version ${STORE_VERSION}. Finish or read it with the lgt that started it, or remove its keys (${keys}); lgt list skips it and says so`,
    );
    this.name = 'OtherStoreVersionError';
  }
}

export class TrialBudgetSpentError extends Error {
  constructor(campaignId: string, maxTrials: number) {
    super(`campaign ${campaignId} already has its ${maxTrials} trials: no more are added`);
    this.name = 'TrialBudgetSpentError';
  }
}

function rethrowFenced(campaignId: string, error: unknown): never {
  if (error instanceof Error && error.message.includes('LGTFENCED'))
    throw new FencedOutError(campaignId);
  throw error;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type RedisWithScripts = RedisClient & {
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
 * Campaign state in Redis: the campaign record, its trials, their learning curves and the event
 * stream. Every change is one atomic step that checks what it changes from, so any number of
 * drivers and workers may act at once without a lost update; a driver that dies leaves nothing
 * another cannot pick up.
 */
export class CampaignStore implements TrialStore {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: RedisClient,
    private readonly prefix = 'lgt',
    /** Set on a driver's view of the store (see fencedFor): its writes carry the epoch. */
    private readonly fence?: { campaignId: string; epoch: number },
  ) {
    this.redis = redis as RedisWithScripts;
    if (!('lgtCas' in redis))
      for (const [name, script] of Object.entries(STORE_SCRIPTS)) redis.defineCommand(name, script);
  }

  /** A campaign's keys (see store-keys.ts). */
  private keys(id: string): CampaignKeys {
    return campaignKeys(this.prefix, id);
  }

  /**
   * Claims a campaign for a driver: takes the next driver epoch, which fences out every earlier
   * driver, and returns the store through which this driver writes (each write carries the
   * epoch; a refused one throws FencedOutError).
   */
  async claimDriver(id: string): Promise<{ epoch: number; store: CampaignStore }> {
    const epoch = await this.redis.hincrby(this.keys(id).counters, 'driver-epoch', 1);
    return { epoch, store: new CampaignStore(this.redis, this.prefix, { campaignId: id, epoch }) };
  }

  /** The epoch a write to campaign `id` carries: this driver's, or '' (not fenced). */
  private epochFor(id: string): string {
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

  async createCampaign(record: CampaignRecord): Promise<void> {
    const keys = this.keys(record.id);
    const created = await this.redis.lgtCreateCampaign(
      keys.campaign,
      keys.counters,
      redactedJson(record),
      String(STORE_VERSION),
    );
    if (!created) throw new Error(`campaign ${record.id} already exists`);
    await this.redis.zadd(campaignIndexKey(this.prefix), record.createdAt, record.id);
  }

  /** Resolves when Redis answers (the service's health check). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The campaign's record; a campaign another store version wrote is refused, naming both. */
  async getCampaign(id: string): Promise<CampaignRecord | null> {
    const key = this.keys(id).campaign;
    const [raw, version] = await this.redis.hmget(key, 'record', 'version');
    if (!raw) return null;
    if (version !== String(STORE_VERSION))
      throw new OtherStoreVersionError(id, version ?? null, key.replace(/:campaign$/, ':*'));
    return parseCampaign(key, id, raw);
  }

  async requireCampaign(id: string): Promise<CampaignRecord> {
    const c = await this.getCampaign(id);
    if (!c)
      throw new ExpectedFailure(`no campaign ${id} (lgt list shows the campaigns)`, 'not-found');
    return c;
  }

  /**
   * The most recent campaigns first, and the index entries that are not valid campaigns (a bad
   * id, a record that is not JSON or does not parse): skipped and named, so that one bad entry
   * hides no other campaign. A record that is gone since it was indexed is neither.
   */
  async scanCampaigns(
    limit = 50,
  ): Promise<{ campaigns: CampaignRecord[]; invalid: InvalidCampaignEntry[] }> {
    const ids = await this.redis.zrevrange(campaignIndexKey(this.prefix), 0, limit - 1);
    const campaigns: CampaignRecord[] = [];
    const invalid: InvalidCampaignEntry[] = [];
    const read = await Promise.all(
      ids.map(async (id) => {
        if (!CAMPAIGN_ID_PATTERN.test(id))
          return { id, problem: 'the index names an id that is not a campaign id' };
        try {
          return await this.getCampaign(id);
        } catch (error) {
          if (
            !(error instanceof InvalidStoredRecordError) &&
            !(error instanceof OtherStoreVersionError)
          )
            throw error;
          return { id, problem: error.message };
        }
      }),
    );
    for (const r of read) {
      if (r === null) continue;
      if ('problem' in r)
        invalid.push({ id: r.id.slice(0, 200), problem: r.problem.slice(0, 1000) });
      else campaigns.push(r);
    }
    return { campaigns, invalid };
  }

  /** The most recent valid campaigns first (scanCampaigns without the invalid entries). */
  async listCampaigns(limit = 50): Promise<CampaignRecord[]> {
    return (await this.scanCampaigns(limit)).campaigns;
  }

  /**
   * Changes the campaign record with `change`, which returns the new record or null to leave it
   * (e.g. it is not in the state the change moves from). Returns the stored record, or null.
   */
  async updateCampaign(
    id: string,
    change: (c: CampaignRecord) => CampaignRecord | null,
  ): Promise<CampaignRecord | null> {
    const key = this.keys(id).campaign;
    return this.compareAndSet(
      id,
      key,
      key,
      'record',
      'rev',
      (c) => (c ? change(c) : null),
      (raw) => parseCampaign(this.keys(id).campaign, id, raw),
    );
  }

  async setCampaignStatus(
    id: string,
    to: CampaignStatus,
    from: readonly CampaignStatus[],
    patch: Partial<CampaignRecord> = {},
  ): Promise<CampaignRecord | null> {
    return this.updateCampaign(id, (c) =>
      from.includes(c.status) ? { ...c, ...patch, status: to } : null,
    );
  }

  /**
   * Writes a trial under the next number; with `event`, that event (given the trial's number)
   * is appended to the log in the same atomic step. Refused (TrialBudgetSpentError) when the
   * campaign already has `maxTrials`: the budget holds whatever drivers race for it.
   */
  async addTrial(
    id: string,
    trial: Omit<TrialRecord, 'number'>,
    event?: DistributiveOmit<Extract<CampaignEvent, { trial: number }>, 'trial'>,
    maxTrials = Number.MAX_SAFE_INTEGER,
  ): Promise<TrialRecord> {
    const json = redactedJson({ number: 0, ...trial });
    const n = await this.redis
      .lgtAddTrial(
        this.keys(id).counters,
        this.keys(id).trials,
        this.keys(id).trialRevs,
        this.keys(id).trialChanges,
        this.keys(id).running,
        this.keys(id).events,
        this.keys(id).summaries,
        this.epochFor(id),
        json,
        event ? redactedJson({ trial: 0, ...event, at: Date.now() }) : '',
        maxTrials,
        String(EVENT_STREAM_CAP),
        summaryJson({ number: 0, ...trial }),
      )
      .catch((error: unknown) => rethrowFenced(id, error));
    if (n === -1) throw new TrialBudgetSpentError(id, maxTrials);
    return { ...trial, number: n };
  }

  async getTrial(id: string, n: number): Promise<TrialRecord | null> {
    const raw = await this.redis.hget(this.keys(id).trials, String(n));
    return raw ? parseTrial(this.keys(id).trials, id, raw) : null;
  }

  async listTrials(id: string): Promise<TrialRecord[]> {
    const all = await this.redis.hvals(this.keys(id).trials);
    return all
      .map((raw) => parseTrial(this.keys(id).trials, id, raw))
      .sort((a, b) => a.number - b.number);
  }

  /** The campaign's `count` latest trials (by number), oldest first. */
  async latestTrials(id: string, count: number): Promise<TrialRecord[]> {
    const n = await this.trialCount(id);
    const from = Math.max(1, n - count + 1);
    return this.getTrials(
      id,
      Array.from({ length: n - from + 1 }, (_, i) => from + i),
    );
  }

  /** The trials with these numbers (those that exist), in the order asked. */
  async getTrials(id: string, numbers: readonly number[]): Promise<TrialRecord[]> {
    if (numbers.length === 0) return [];
    const key = this.keys(id).trials;
    const raws = await this.redis.hmget(key, ...numbers.map(String));
    return raws.flatMap((raw) => (raw === null ? [] : [parseTrial(key, id, raw)]));
  }

  /** The campaign's latest trial change (0 before any): where trialsChangedSince goes on from. */
  async trialChangeSequence(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys(id).counters, 'trial-changes')) ?? 0);
  }

  /**
   * The numbers of the trials added or changed after change `since` of the campaign (0: all
   * there are), and the latest change's sequence number to ask from next time. One sorted-set
   * read: its cost follows what changed, not how many trials the campaign has.
   */
  async trialsChangedSince(
    id: string,
    since: number,
  ): Promise<{ numbers: number[]; sequence: number }> {
    const flat = await this.redis.zrangebyscore(
      this.keys(id).trialChanges,
      `(${since}`,
      '+inf',
      'WITHSCORES',
    );
    const numbers: number[] = [];
    let sequence = since;
    for (let i = 0; i < flat.length; i += 2) {
      numbers.push(Number(flat[i]));
      sequence = Math.max(sequence, Number(flat[i + 1]));
    }
    return { numbers, sequence };
  }

  /**
   * Trials by state, epochs run in all and the running trials in full, from the tally the trial
   * writes keep (one hash read and the running ones): what `lgt status` and `lgt list` show, in
   * the same time at 10,000 trials as at 10.
   */
  async trialTally(id: string): Promise<{
    counts: Record<TrialState, number>;
    epochsRun: number;
    running: TrialRecord[];
  }> {
    const counters = await this.redis.hgetall(this.keys(id).counters);
    const numbers = (await this.redis.smembers(this.keys(id).running))
      .map(Number)
      .sort((a, b) => a - b);
    return {
      counts: countsOf(counters),
      epochsRun: Number(counters['epochs-run'] ?? 0),
      running: await this.getTrials(id, numbers),
    };
  }

  /** Trials by state, from the tally (one hash read): what a listing of counts reads. */
  async trialCounts(id: string): Promise<Record<TrialState, number>> {
    return countsOf(await this.redis.hgetall(this.keys(id).counters));
  }

  /**
   * Every trial's summary (number, state, value, source, time, epochs), in order, from the
   * summaries the trial writes keep (a tenth of the records).
   */
  async listTrialSummaries(id: string): Promise<TrialSummary[]> {
    const key = this.keys(id).summaries;
    return (await this.redis.hvals(key))
      .map((raw) => decode(TrialSummarySchema, `a trial summary of campaign ${id} (${key})`, raw))
      .sort((a, b) => a.number - b.number);
  }

  /** Moves a trial from one of `from` to `to` with a patch; null when it was not in `from`. */
  async transitionTrial(
    id: string,
    n: number,
    from: readonly TrialState[],
    to: TrialState,
    patch: Partial<TrialRecord> = {},
  ): Promise<TrialRecord | null> {
    return this.updateTrial(id, n, (t) =>
      from.includes(t.state) ? { ...t, ...patch, state: to } : null,
    );
  }

  async updateTrial(
    id: string,
    n: number,
    change: (t: TrialRecord) => TrialRecord | null,
  ): Promise<TrialRecord | null> {
    return this.compareAndSet(
      id,
      this.keys(id).trials,
      this.keys(id).trialRevs,
      String(n),
      String(n),
      (t) => (t ? change(t) : null),
      (raw) => parseTrial(this.keys(id).trials, id, raw),
      false,
      true,
    );
  }

  /**
   * Appends an epoch to a trial's learning curve (an attempt that restarts clears it first),
   * only from the attempt holding the trial: false when another attempt has taken it over.
   */
  async appendEpoch(
    id: string,
    n: number,
    attemptToken: string,
    record: EpochRecord,
  ): Promise<boolean> {
    const length = await this.redis.lgtAppendEpoch(
      this.keys(id).trials,
      this.keys(id).curve(n),
      String(n),
      attemptToken,
      JSON.stringify(record),
      String(record.epoch),
    );
    return length > 0;
  }

  async clearCurve(id: string, n: number): Promise<void> {
    await this.redis.del(this.keys(id).curve(n));
  }

  async getCurves(id: string, numbers: number[]): Promise<Map<number, EpochRecord[]>> {
    const pipeline = this.redis.pipeline();
    for (const n of numbers) pipeline.lrange(this.keys(id).curve(n), 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      numbers.map((n, i) => [
        n,
        ((replies[i]?.[1] as string[]) ?? []).map((r) =>
          decode(EpochRecordSchema, `trial ${n}'s curve (${this.keys(id).curve(n)})`, r),
        ),
      ]),
    );
  }

  async putPredictions(id: string, n: number, bytes: Buffer): Promise<void> {
    await this.redis.hset(this.keys(id).predictions, String(n), bytes);
  }

  /** The predictions kept of these trials (those with none are absent from the map). */
  async getPredictions(id: string, numbers: readonly number[]): Promise<Map<number, Buffer>> {
    if (numbers.length === 0) return new Map();
    const replies = await this.redis.hmgetBuffer(this.keys(id).predictions, ...numbers.map(String));
    const out = new Map<number, Buffer>();
    numbers.forEach((n, i) => {
      const bytes = replies[i];
      if (bytes) out.set(n, bytes);
    });
    return out;
  }

  /** The trials whose predictions are kept. */
  async predictionTrials(id: string): Promise<number[]> {
    return (await this.redis.hkeys(this.keys(id).predictions)).map(Number);
  }

  async predictionCount(id: string): Promise<number> {
    return this.redis.hlen(this.keys(id).predictions);
  }

  async dropPredictions(id: string, numbers: readonly number[]): Promise<void> {
    if (numbers.length > 0)
      await this.redis.hdel(this.keys(id).predictions, ...numbers.map(String));
  }

  async appendEvent(id: string, event: CampaignEvent): Promise<string> {
    return this.redis
      .lgtAddEvent(
        this.keys(id).counters,
        this.keys(id).events,
        this.epochFor(id),
        String(EVENT_STREAM_CAP),
        redactedJson({ ...event, at: Date.now() }),
      )
      .catch((error: unknown) => rethrowFenced(id, error));
  }

  /**
   * Events after `afterId` ('0' = from the start), at most `count`; with `blockMs`, waits that
   * long for the first new one.
   */
  /** The id of the campaign's last event, or null when its log is empty. */
  async lastEventId(id: string): Promise<string | null> {
    const last = (await this.redis.xrevrange(this.keys(id).events, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return last[0]?.[0] ?? null;
  }

  async readEvents(
    id: string,
    afterId = '0',
    opts: { count?: number; blockMs?: number; client?: RedisClient } = {},
  ): Promise<LoggedEvent[]> {
    const client = opts.client ?? this.redis;
    const args: (string | number)[] = ['COUNT', opts.count ?? 1000];
    if (opts.blockMs !== undefined) args.push('BLOCK', opts.blockMs);
    const reply = (await (client.xread as (...a: (string | number)[]) => Promise<unknown>)(
      ...args,
      'STREAMS',
      this.keys(id).events,
      afterId,
    )) as [string, [string, string[]][]][] | null;
    if (!reply) return [];
    const key = this.keys(id).events;
    return reply[0]![1].map(([eventId, fields]) => ({
      ...decode(StoredEventSchema, `event ${eventId} of campaign ${id}'s log (${key})`, fields[1]),
      id: eventId,
    }));
  }

  /**
   * A named piece of strategy state (e.g. the agents' feedback and prompt versions), read through
   * the schema its owner keeps it by: what Redis holds is data until that schema says otherwise.
   */
  async getState<S extends z.ZodType>(
    id: string,
    name: string,
    schema: S,
  ): Promise<z.output<S> | null> {
    const raw = await this.redis.hget(this.keys(id).state, name);
    return raw ? decode(schema, `campaign ${id}'s ${name} state`, raw) : null;
  }

  /** Changes (or creates) a named piece of state with a compare-and-set, like the records. */
  async updateState<S extends z.ZodType>(
    id: string,
    name: string,
    schema: S,
    change: (current: z.output<S> | null) => z.output<S> | null,
  ): Promise<z.output<S> | null> {
    return this.compareAndSet<z.output<S>>(
      id,
      this.keys(id).state,
      this.keys(id).stateRevs,
      name,
      name,
      change,
      (raw) => parseStored(schema, `campaign ${id}'s ${name} state`, raw),
      true,
    );
  }

  /** Adds an LLM call's tokens and cost to the campaign's totals and returns the new totals. */
  async addLlmUsage(
    id: string,
    tokens: number,
    costUsd: number,
  ): Promise<{ tokens: number; costUsd: number }> {
    const [[, t], , [, c]] = (await this.redis
      .pipeline()
      .hincrby(this.keys(id).counters, 'llm-tokens', tokens)
      .hincrby(this.keys(id).counters, 'llm-calls', 1)
      .hincrbyfloat(this.keys(id).counters, 'llm-cost', costUsd)
      .exec()) as [[unknown, number], [unknown, number], [unknown, string]];
    return { tokens: Number(t), costUsd: Number(c) };
  }

  /**
   * An agent turn the LLM did not answer (the rules did): counted, and the first one's reason
   * kept (it names the endpoint), so a campaign whose LLM never answered can say so.
   */
  async addLlmFallback(id: string, reason: string): Promise<void> {
    await this.redis
      .pipeline()
      .hincrby(this.keys(id).counters, 'llm-fallbacks', 1)
      .hsetnx(this.keys(id).counters, 'llm-first-fallback', redactSecrets(reason).slice(0, 1000))
      .exec();
  }

  /**
   * The campaign's LLM calls (answered by a model, not replayed from the cache), tokens and
   * cost; the agent turns that fell back to the rules, and the first one's reason.
   */
  async getLlmUsage(id: string): Promise<LlmUsageRecord & { calls: number; fallbacks: number }> {
    const [t, c, n, f, first] = await this.redis.hmget(
      this.keys(id).counters,
      'llm-tokens',
      'llm-cost',
      'llm-calls',
      'llm-fallbacks',
      'llm-first-fallback',
    );
    return {
      calls: Number(n ?? 0),
      tokens: Number(t ?? 0),
      costUsd: Number(c ?? 0),
      fallbacks: Number(f ?? 0),
      ...(first ? { firstFallback: first } : {}),
    };
  }

  /** Keeps a finished campaign's report head (see CampaignReportHead; any trials are left out). */
  async setReport(id: string, report: CampaignReportHead | CampaignReport): Promise<void> {
    const { trials: _trials, ...head } = report as CampaignReport;
    await this.redis.set(this.keys(id).report, redactedJson(head));
  }

  /** The report's head, or null before the campaign has ended. */
  async getReportHead(id: string): Promise<CampaignReportHead | null> {
    const raw = await this.redis.get(this.keys(id).report);
    if (!raw) return null;
    return decode(ReportHeadSchema, `campaign ${id}'s report (${this.keys(id).report})`, raw);
  }

  /** How many trials the campaign has made (numbered 1 to this). */
  async trialCount(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys(id).counters, 'trials')) ?? 0);
  }

  /**
   * Reads a JSON record and its revision, applies `change`, and writes the result only if the
   * revision is unchanged (retrying otherwise), and (on a driver's view) only while the driver
   * holds the campaign. Without `create`, a missing record stays missing.
   */
  private async compareAndSet<T>(
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
function countsOf(counters: Record<string, string>): Record<TrialState, number> {
  return Object.fromEntries(
    TRIAL_STATES.map((s) => [s, Number(counters[`state:${s}`] ?? 0)]),
  ) as Record<TrialState, number>;
}

/** A trial's summary (TrialSummary) as JSON: the fields a long listing shows. */
function summaryJson(t: TrialRecord): string {
  const summary: TrialSummary = { number: t.number, state: t.state, source: t.source };
  if (t.value !== undefined) summary.value = t.value;
  if (t.seconds !== undefined) summary.seconds = t.seconds;
  if (t.epochsRun !== undefined) summary.epochsRun = t.epochsRun;
  return redactedJson(summary);
}

/** JSON for Redis, with every secret this process knows taken out (see secrets.ts). */
function redactedJson(value: unknown): string {
  return redactSecrets(JSON.stringify(value));
}

function parseCampaign(key: string, id: string, raw: string | unknown): CampaignRecord {
  return decode(CampaignRecordSchema, `campaign ${id}'s record (${key})`, raw);
}

function parseTrial(key: string, id: string, raw: string | unknown): TrialRecord {
  return decode(TrialRecordSchema, `a trial record of campaign ${id} (${key})`, raw);
}

/** Stored JSON through its schema: anything else is an error naming where it was. */
function decode<S extends z.ZodType>(schema: S, what: string, raw: string | unknown): z.output<S> {
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
