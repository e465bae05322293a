import type { TrialStore } from '../trials/trial-store.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { z } from 'zod';
import type { CampaignEvent, LoggedEvent } from '../contracts/campaign-events.ts';
import { StoredEventSchema } from '../contracts/campaign-events.ts';
import {
  CAMPAIGN_ID_PATTERN,
  type CampaignRecord,
  type CampaignStatus,
} from '../contracts/campaign-record.ts';
import { InvalidStoredRecordError, parseStored } from '../contracts/stored-record.ts';
import {
  ReportHeadSchema,
  type CampaignReport,
  type CampaignReportHead,
  type LlmUsageRecord,
} from '../contracts/campaign-report.ts';
import type { InvalidCampaignEntry } from '../contracts/campaign-overview.ts';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { campaignIndexKey, STORE_VERSION } from './store-keys.ts';
import {
  EVENT_STREAM_CAP,
  decode,
  parseCampaign,
  redactedJson,
  rethrowFenced,
} from './store-base.ts';
import { OtherStoreVersionError } from './store-errors.ts';
import { StoreTrials } from './store-trials.ts';

/**
 * Campaign state in Redis: the campaign record, its trials, their learning curves and the event
 * stream. Every change is one atomic step that checks what it changes from, so any number of
 * drivers and workers may act at once without a lost update; a driver that dies leaves nothing
 * another cannot pick up.
 */
export class CampaignStore extends StoreTrials implements TrialStore {
  /**
   * Claims a campaign for a driver: takes the next driver epoch, which fences out every earlier
   * driver, and returns the store through which this driver writes (each write carries the
   * epoch; a refused one throws FencedOutError).
   */
  async claimDriver(id: string): Promise<{ epoch: number; store: CampaignStore }> {
    const epoch = await this.redis.hincrby(this.keys(id).counters, 'driver-epoch', 1);
    return { epoch, store: new CampaignStore(this.redis, this.prefix, { campaignId: id, epoch }) };
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
}
