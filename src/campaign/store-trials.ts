import type { EpochRecord } from '../trainer/trainer.ts';
import type { CampaignEvent } from '../contracts/campaign-events.ts';
import { EpochRecordSchema } from '../trainer/epoch-record.ts';
import {
  TrialSummarySchema,
  type TrialSummary,
  type TrialRecord,
  type TrialState,
} from '../contracts/trial-record.ts';

import {
  StoreBase,
  EVENT_STREAM_CAP,
  rethrowFenced,
  countsOf,
  decode,
  parseTrial,
  redactedJson,
  summaryJson,
  type DistributiveOmit,
} from './store-base.ts';
import { TrialBudgetSpentError } from './store-errors.ts';

/**
 * The campaign store's trials: their records (each change one atomic step, tallied and summarized
 * as it is written), their learning curves and their predictions. The reads are named by what they
 * cost: one record (getTrial), the ones asked for (getTrials, latestTrials), the changed ones
 * (trialsChangedSince), the tally (trialTally, trialCounts: one hash), the summaries
 * (listTrialSummaries: a tenth of the records), and every record (listTrials: what a report needs).
 */
export class StoreTrials extends StoreBase {
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

  /** How many trials the campaign has made (numbered 1 to this). */
  async trialCount(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys(id).counters, 'trials')) ?? 0);
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
}
