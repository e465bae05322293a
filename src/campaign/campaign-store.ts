import type { Redis } from 'ioredis';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { CampaignEvent, LoggedEvent } from './campaign-events.ts';
import type {
  CampaignRecord,
  CampaignStatus,
  TrialRecord,
  TrialState,
} from './campaign-records.ts';

/** Events kept per campaign; older ones are trimmed (the report keeps the full story). */
export const EVENT_STREAM_CAP = 20_000;

/**
 * Sets a JSON record only if its revision is still the one the caller read (compare-and-set).
 * One hash holds the records, another their revisions: every key of a campaign shares the hash
 * tag {id}, so the script stays within one cluster slot.
 */
const CAS_SCRIPT = `
local rev = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if rev ~= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], rev + 1)
return rev + 1
`;

/**
 * Adds a trial under the next number, atomically: no two trials ever share a number. With an
 * event (ARGV[2]), its "trial" is set to that number and it joins the event stream in the same
 * step, so a driver killed in between cannot leave a trial whose proposal the log never shows.
 */
const ADD_TRIAL_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[3], 'trials', 1)
local record = string.gsub(ARGV[1], '"number":0', '"number":' .. n, 1)
redis.call('HSET', KEYS[1], n, record)
redis.call('HSET', KEYS[2], n, 1)
if ARGV[2] ~= '' then
  local event = string.gsub(ARGV[2], '"trial":0', '"trial":' .. n, 1)
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'e', event)
end
return n
`;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type RedisWithScripts = Redis & {
  lgtCas(
    records: string,
    revs: string,
    field: string,
    revField: string,
    rev: number,
    json: string,
  ): Promise<number>;
  lgtAddTrial(
    records: string,
    revs: string,
    counters: string,
    events: string,
    json: string,
    event: string,
    cap: string,
  ): Promise<number>;
};

/**
 * Campaign state in Redis: the campaign record, its trials, their learning curves and the event
 * stream. Every change is one atomic step that checks what it changes from, so any number of
 * drivers and workers may act at once without a lost update; a driver that dies leaves nothing
 * another cannot pick up.
 */
export class CampaignStore {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: Redis,
    private readonly prefix = 'lgt',
  ) {
    this.redis = redis as RedisWithScripts;
    if (!('lgtCas' in redis)) {
      redis.defineCommand('lgtCas', { numberOfKeys: 2, lua: CAS_SCRIPT });
      redis.defineCommand('lgtAddTrial', { numberOfKeys: 4, lua: ADD_TRIAL_SCRIPT });
    }
  }

  private key(id: string, what: string): string {
    return `${this.prefix}:{${id}}:${what}`;
  }

  async createCampaign(record: CampaignRecord): Promise<void> {
    const created = await this.redis.hsetnx(
      this.key(record.id, 'campaign'),
      'record',
      JSON.stringify(record),
    );
    if (!created) throw new Error(`campaign ${record.id} already exists`);
    await this.redis.hset(this.key(record.id, 'campaign'), 'rev', 1);
    await this.redis.zadd(`${this.prefix}:campaigns`, record.createdAt, record.id);
  }

  async getCampaign(id: string): Promise<CampaignRecord | null> {
    const raw = await this.redis.hget(this.key(id, 'campaign'), 'record');
    return raw ? (JSON.parse(raw) as CampaignRecord) : null;
  }

  async requireCampaign(id: string): Promise<CampaignRecord> {
    const c = await this.getCampaign(id);
    if (!c) throw new Error(`no campaign ${id} (lgt list shows the campaigns)`);
    return c;
  }

  /** The most recent campaigns first. */
  async listCampaigns(limit = 50): Promise<CampaignRecord[]> {
    const ids = await this.redis.zrevrange(`${this.prefix}:campaigns`, 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.getCampaign(id)));
    return records.filter((r): r is CampaignRecord => r !== null);
  }

  /**
   * Changes the campaign record with `change`, which returns the new record or null to leave it
   * (e.g. it is not in the state the change moves from). Returns the stored record, or null.
   */
  async updateCampaign(
    id: string,
    change: (c: CampaignRecord) => CampaignRecord | null,
  ): Promise<CampaignRecord | null> {
    const key = this.key(id, 'campaign');
    return this.compareAndSet(key, key, 'record', 'rev', change);
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
   * is appended to the log in the same atomic step.
   */
  async addTrial(
    id: string,
    trial: Omit<TrialRecord, 'number'>,
    event?: DistributiveOmit<Extract<CampaignEvent, { trial: number }>, 'trial'>,
  ): Promise<TrialRecord> {
    const json = JSON.stringify({ number: 0, ...trial });
    const n = await this.redis.lgtAddTrial(
      this.key(id, 'trials'),
      this.key(id, 'trial-revs'),
      this.key(id, 'counters'),
      this.key(id, 'events'),
      json,
      event ? JSON.stringify({ trial: 0, ...event, at: Date.now() }) : '',
      String(EVENT_STREAM_CAP),
    );
    return { ...trial, number: n };
  }

  async getTrial(id: string, n: number): Promise<TrialRecord | null> {
    const raw = await this.redis.hget(this.key(id, 'trials'), String(n));
    return raw ? (JSON.parse(raw) as TrialRecord) : null;
  }

  async listTrials(id: string): Promise<TrialRecord[]> {
    const all = await this.redis.hvals(this.key(id, 'trials'));
    return all.map((raw) => JSON.parse(raw) as TrialRecord).sort((a, b) => a.number - b.number);
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
      this.key(id, 'trials'),
      this.key(id, 'trial-revs'),
      String(n),
      String(n),
      change,
    );
  }

  /** Appends an epoch to a trial's learning curve (an attempt that restarts clears it first). */
  async appendEpoch(id: string, n: number, record: EpochRecord): Promise<void> {
    await this.redis.rpush(this.key(id, `curve:${n}`), JSON.stringify(record));
  }

  async clearCurve(id: string, n: number): Promise<void> {
    await this.redis.del(this.key(id, `curve:${n}`));
  }

  async getCurves(id: string, numbers: number[]): Promise<Map<number, EpochRecord[]>> {
    const pipeline = this.redis.pipeline();
    for (const n of numbers) pipeline.lrange(this.key(id, `curve:${n}`), 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      numbers.map((n, i) => [
        n,
        ((replies[i]?.[1] as string[]) ?? []).map((r) => JSON.parse(r) as EpochRecord),
      ]),
    );
  }

  async appendEvent(id: string, event: CampaignEvent): Promise<string> {
    const entry = JSON.stringify({ ...event, at: Date.now() });
    return (await this.redis.xadd(
      this.key(id, 'events'),
      'MAXLEN',
      '~',
      String(EVENT_STREAM_CAP),
      '*',
      'e',
      entry,
    ))!;
  }

  /**
   * Events after `afterId` ('0' = from the start), at most `count`; with `blockMs`, waits that
   * long for the first new one.
   */
  async readEvents(
    id: string,
    afterId = '0',
    opts: { count?: number; blockMs?: number; client?: Redis } = {},
  ): Promise<LoggedEvent[]> {
    const client = opts.client ?? this.redis;
    const args: (string | number)[] = ['COUNT', opts.count ?? 1000];
    if (opts.blockMs !== undefined) args.push('BLOCK', opts.blockMs);
    const reply = (await (client.xread as (...a: (string | number)[]) => Promise<unknown>)(
      ...args,
      'STREAMS',
      this.key(id, 'events'),
      afterId,
    )) as [string, [string, string[]][]][] | null;
    if (!reply) return [];
    return reply[0]![1].map(([eventId, fields]) => ({
      ...(JSON.parse(fields[1]!) as CampaignEvent & { at: number }),
      id: eventId,
    }));
  }

  /** A named piece of strategy state (e.g. the agents' feedback and prompt versions). */
  async getState<T>(id: string, name: string): Promise<T | null> {
    const raw = await this.redis.hget(this.key(id, 'state'), name);
    return raw ? (JSON.parse(raw) as T) : null;
  }

  /** Changes (or creates) a named piece of state with a compare-and-set, like the records. */
  async updateState<T>(
    id: string,
    name: string,
    change: (current: T | null) => T | null,
  ): Promise<T | null> {
    return this.compareAndSet<T>(
      this.key(id, 'state'),
      this.key(id, 'state-revs'),
      name,
      name,
      change,
      true,
    );
  }

  /** Adds an LLM call's tokens and cost to the campaign's totals and returns the new totals. */
  async addLlmUsage(
    id: string,
    tokens: number,
    costUsd: number,
  ): Promise<{ tokens: number; costUsd: number }> {
    const [[, t], [, c]] = (await this.redis
      .pipeline()
      .hincrby(this.key(id, 'counters'), 'llm-tokens', tokens)
      .hincrbyfloat(this.key(id, 'counters'), 'llm-cost', costUsd)
      .exec()) as [[unknown, number], [unknown, string]];
    return { tokens: Number(t), costUsd: Number(c) };
  }

  async getLlmUsage(id: string): Promise<{ tokens: number; costUsd: number }> {
    const [t, c] = await this.redis.hmget(this.key(id, 'counters'), 'llm-tokens', 'llm-cost');
    return { tokens: Number(t ?? 0), costUsd: Number(c ?? 0) };
  }

  async setReport(id: string, report: object): Promise<void> {
    await this.redis.set(this.key(id, 'report'), JSON.stringify(report));
  }

  async getReport(id: string): Promise<object | null> {
    const raw = await this.redis.get(this.key(id, 'report'));
    return raw ? (JSON.parse(raw) as object) : null;
  }

  /**
   * Reads a JSON record and its revision, applies `change`, and writes the result only if the
   * revision is unchanged (retrying otherwise). Without `create`, a missing record stays missing.
   */
  private async compareAndSet<T>(
    recordKey: string,
    revKey: string,
    field: string,
    revField: string,
    change: (current: T) => T | null,
    create?: false,
  ): Promise<T | null>;
  private async compareAndSet<T>(
    recordKey: string,
    revKey: string,
    field: string,
    revField: string,
    change: (current: T | null) => T | null,
    create: true,
  ): Promise<T | null>;
  private async compareAndSet<T>(
    recordKey: string,
    revKey: string,
    field: string,
    revField: string,
    change: (current: T) => T | null,
    create = false,
  ): Promise<T | null> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const [[, raw], [, rev]] = (await this.redis
        .pipeline()
        .hget(recordKey, field)
        .hget(revKey, revField)
        .exec()) as [[unknown, string | null], [unknown, string | null]];
      if (raw === null && !create) return null;
      const next = change((raw === null ? null : JSON.parse(raw)) as T);
      if (next === null) return null;
      const stored = await this.redis.lgtCas(
        recordKey,
        revKey,
        field,
        revField,
        Number(rev ?? 0),
        JSON.stringify(next),
      );
      if (stored !== -1) return next;
    }
    throw new Error(`could not update ${recordKey} ${field}: too many concurrent changes`);
  }
}
