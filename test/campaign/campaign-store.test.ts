import {
  FencedOutError,
  TrialBudgetSpentError,
  OtherStoreVersionError,
} from '../../src/campaign/store-errors.ts';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { TRIAL_STATES, type TrialRecord } from '../../src/contracts/trial-record.ts';
import { type CampaignRecord } from '../../src/contracts/campaign-record.ts';
import { STORE_VERSION } from '../../src/campaign/store-keys.ts';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';

let server: RedisServerProcess;
let redis: RedisClient;
let store: CampaignStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url);
  store = new CampaignStore(redis, 'test');
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

function campaign(id: string): CampaignRecord {
  return {
    id,
    taskName: 'iris',
    metric: { name: 'accuracy', direction: 'maximize' },
    status: 'queued',
    createdAt: Date.now(),
    request: {
      task: { kind: 'builtin', name: 'iris' },
      mode: 'search',
      strategy: 'random',
      maxTrials: 10,
      parallel: 2,
      seed: 0,
      splitSeed: 0,
      pruner: 'none',
      gridResolution: 3,
      agents: 'rules',
      core: 'auto',
      llmShare: 0.3,
      llmWarmup: 10,
      llmWarmStart: 0,
      divergence: 'js',
      optimizeEvery: 3,
      defaultFirst: true,
      outputDir: '/tmp',
    },
  };
}

const trial = (): Omit<TrialRecord, 'number'> => ({
  state: 'proposed',
  config: { learningRate: 0.0012345678901234567 },
  reason: 'test',
  source: 'test',
  proposedAt: 1,
  attempts: 0,
});

describe('CampaignStore against a real Redis', () => {
  it('numbers trials atomically: concurrent adds never share a number', async () => {
    await store.createCampaign(campaign('numbers'));
    // Two clients, as two drivers would be.
    const other = new CampaignStore(createRedis(server.url), 'test');
    const added = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).addTrial('numbers', trial())),
    );
    expect(added.map((t) => t.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const listed = await store.listTrials('numbers');
    expect(listed.map((t) => t.number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Floats survive exactly (no Lua JSON round trip).
    expect(listed[0]!.config['learningRate']).toBe(0.0012345678901234567);
  });

  it('lets exactly one of two racing transitions from a state win', async () => {
    await store.createCampaign(campaign('race'));
    const t = await store.addTrial('race', trial());
    const stores = [
      store,
      new CampaignStore(createRedis(server.url), 'test'),
      new CampaignStore(createRedis(server.url), 'test'),
    ];
    const results = await Promise.all(
      stores.map((s, i) =>
        s.transitionTrial('race', t.number, ['proposed'], 'queued', { worker: `w${i}` }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const stored = await store.getTrial('race', t.number);
    expect(stored!.state).toBe('queued');
    expect(stored!.worker).toBe(results.find((r) => r !== null)!.worker);
    expect(await store.transitionTrial('race', t.number, ['proposed'], 'queued')).toBeNull();
  });

  it('keeps every concurrent counter update (no lost update)', async () => {
    await store.createCampaign(campaign('counter'));
    const t = await store.addTrial('counter', trial());
    await Promise.all(
      Array.from({ length: 30 }, () =>
        store.updateTrial('counter', t.number, (r) => ({ ...r, attempts: r.attempts + 1 })),
      ),
    );
    expect((await store.getTrial('counter', t.number))!.attempts).toBe(30);
  });

  it('refuses a second campaign with the same id, and lists campaigns newest first', async () => {
    await expect(store.createCampaign(campaign('numbers'))).rejects.toThrow(/already exists/);
    const ids = (await store.listCampaigns()).map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(['counter', 'race', 'numbers']);
  });

  it('appends and reads events in order, blocking for new ones', async () => {
    await store.createCampaign(campaign('events'));
    await store.appendEvent('events', { type: 'trial.cancelled', trial: 1 });
    await store.appendEvent('events', { type: 'trial.cancelled', trial: 2 });
    const all = await store.readEvents('events');
    expect(all.map((e) => (e as { trial: number }).trial)).toEqual([1, 2]);
    expect(all[0]!.at).toBeGreaterThan(0);
    const blocking = createRedis(server.url);
    const waiting = store.readEvents('events', all[1]!.id, { blockMs: 5000, client: blocking });
    setTimeout(() => void store.appendEvent('events', { type: 'trial.cancelled', trial: 3 }), 100);
    const next = await waiting;
    expect(next.map((e) => (e as { trial: number }).trial)).toEqual([3]);
    blocking.disconnect();
  });

  it("writes a trial and its proposal event in one step, the event carrying the trial's number", async () => {
    await store.createCampaign(campaign('announced'));
    const added = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.addTrial('announced', trial(), {
          type: 'proposal',
          config: { learningRate: 0.0012345678901234567, trial: i },
          reason: `proposal ${i}`,
          source: 'test',
        }),
      ),
    );
    await store.addTrial('announced', trial()); // no event: the log does not change
    const events = (await store.readEvents('announced')) as Extract<
      LoggedEvent,
      { type: 'proposal' }
    >[];
    expect(events).toHaveLength(10);
    // Each event names the trial written with it, however the adds interleaved.
    for (const e of events) {
      const i = e.config['trial'] as number;
      expect(e.trial).toBe(added[i]!.number);
      expect(e.reason).toBe(`proposal ${i}`);
      expect(e.config['learningRate']).toBe(0.0012345678901234567);
      expect(e.at).toBeGreaterThan(0);
    }
  });

  it('keeps learning curves per trial', async () => {
    await store.createCampaign(campaign('curves'));
    const epoch = (e: number) => ({
      epoch: e,
      loss: 1 / e,
      validationLoss: 1,
      validationMetric: e / 10,
      learningRate: 0.1,
      seconds: 0.1,
      samplesPerSecond: 1,
    });
    const running = { ...trial(), state: 'running' as const, attemptToken: 'a1' };
    await store.addTrial('curves', running);
    await store.addTrial('curves', running);
    expect(await store.appendEpoch('curves', 1, 'a1', epoch(1))).toBe(true);
    expect(await store.appendEpoch('curves', 1, 'a1', epoch(2))).toBe(true);
    expect(await store.appendEpoch('curves', 2, 'a1', epoch(1))).toBe(true);
    const curves = await store.getCurves('curves', [1, 2, 3]);
    expect(curves.get(1)!.map((r) => r.epoch)).toEqual([1, 2]);
    expect(curves.get(2)).toHaveLength(1);
    expect(curves.get(3)).toEqual([]);
    // The same epoch sent again (ioredis resends a command whose reply a dropped connection
    // lost, after Redis ran it) is stored once; a later epoch still goes on.
    expect(await store.appendEpoch('curves', 1, 'a1', epoch(2))).toBe(true);
    expect(await store.appendEpoch('curves', 1, 'a1', epoch(3))).toBe(true);
    expect((await store.getCurves('curves', [1])).get(1)!.map((r) => r.epoch)).toEqual([1, 2, 3]);
    await store.clearCurve('curves', 1);
    expect((await store.getCurves('curves', [1])).get(1)).toEqual([]);
  });

  it('accepts epochs only from the attempt that holds the trial, while it runs', async () => {
    await store.createCampaign(campaign('owners'));
    const epoch = {
      epoch: 1,
      loss: 1,
      validationLoss: 1,
      validationMetric: 0.5,
      learningRate: 0.1,
      seconds: 0,
      samplesPerSecond: 1,
    };
    await store.addTrial('owners', { ...trial(), state: 'running', attemptToken: 'first' });
    // A second attempt takes the trial over (the first lost its job's lock).
    await store.updateTrial('owners', 1, (t) => ({ ...t, attempts: 2, attemptToken: 'second' }));
    expect(await store.appendEpoch('owners', 1, 'first', epoch)).toBe(false);
    expect(await store.appendEpoch('owners', 1, 'second', epoch)).toBe(true);
    await store.transitionTrial('owners', 1, ['running'], 'completed');
    expect(await store.appendEpoch('owners', 1, 'second', epoch)).toBe(false);
    expect((await store.getCurves('owners', [1])).get(1)).toHaveLength(1);
  });

  it('never adds a trial beyond the budget, however many add at once', async () => {
    await store.createCampaign(campaign('budget'));
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => store.addTrial('budget', trial(), undefined, 12)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(12);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(18);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(TrialBudgetSpentError);
    expect(await store.listTrials('budget')).toHaveLength(12);
  });

  it('refuses every write of a driver once a newer one has claimed the campaign', async () => {
    await store.createCampaign(campaign('fenced'));
    const old = await store.claimDriver('fenced');
    await old.store.addTrial('fenced', trial(), {
      type: 'proposal',
      config: {},
      reason: 'r',
      source: 's',
    });
    expect(await old.store.holdsFence()).toBe(true);
    const fresh = await store.claimDriver('fenced');
    expect(fresh.epoch).toBe(old.epoch + 1);
    expect(await old.store.holdsFence()).toBe(false);
    await expect(old.store.addTrial('fenced', trial())).rejects.toBeInstanceOf(FencedOutError);
    await expect(
      old.store.transitionTrial('fenced', 1, ['proposed'], 'queued'),
    ).rejects.toBeInstanceOf(FencedOutError);
    await expect(
      old.store.setCampaignStatus('fenced', 'completed', ['queued']),
    ).rejects.toBeInstanceOf(FencedOutError);
    await expect(
      old.store.appendEvent('fenced', { type: 'campaign.resumed', by: 'old' }),
    ).rejects.toBeInstanceOf(FencedOutError);
    await expect(
      old.store.updateState('fenced', 'lgt', z.object({ x: z.number() }), () => ({ x: 1 })),
    ).rejects.toBeInstanceOf(FencedOutError);
    // Nothing of the old driver's landed; the new one writes as usual.
    expect((await store.getTrial('fenced', 1))!.state).toBe('proposed');
    expect(await fresh.store.transitionTrial('fenced', 1, ['proposed'], 'queued')).not.toBeNull();
    expect((await store.getCampaign('fenced'))!.status).toBe('queued');
    // Workers and the command line (unfenced) are not drivers: they still write.
    expect(await store.setCampaignStatus('fenced', 'cancelling', ['queued'])).not.toBeNull();
  });

  it('refuses a hand-written record that is not an lgt record, naming what is wrong', async () => {
    await store.createCampaign(campaign('hostile'));
    const evil = {
      ...campaign('hostile'),
      id: '../../etc',
      request: { ...campaign('hostile').request, epochs: 100000 },
    };
    await redis.hset('test:{hostile}:campaign', 'record', JSON.stringify(evil));
    const error = await store.getCampaign('hostile').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      "campaign hostile's record (test:{hostile}:campaign) in Redis is not a valid lgt record",
    );
    expect((error as Error).message).toContain('id: a campaign id is lower-case letters');
    expect((error as Error).message).toContain('request.epochs: must be at most 10,000');
    await redis.hset('test:{hostile}:trials', '1', '{"number":1,"state":"exploded"}');
    await expect(store.listTrials('hostile')).rejects.toThrow(
      'a trial record of campaign hostile (test:{hostile}:trials) in Redis is not a valid lgt record',
    );
    // The event log and the report are read through their schemas too.
    await store.appendEvent('hostile', { type: 'trial.cancelled', trial: 1 });
    expect((await store.readEvents('hostile')).map((e) => e.type)).toEqual(['trial.cancelled']);
    const forged = await redis.xadd(
      'test:{hostile}:events',
      '*',
      'event',
      '{"type":"rm -rf","at":1}',
    );
    await expect(store.readEvents('hostile')).rejects.toThrow(
      `event ${forged} of campaign hostile's log (test:{hostile}:events) in Redis is not a valid lgt record`,
    );
    await redis.set('test:{hostile}:report', '{"campaign": 1');
    await expect(store.getReportHead('hostile')).rejects.toThrow(
      "campaign hostile's report (test:{hostile}:report) in Redis is not a valid lgt record, so it is refused (was it written by something else?): not JSON",
    );
  });

  it('takes every secret this process knows out of what it writes', async () => {
    const key = 'sk-planted-0123456789abcdef';
    process.env['OPENAI_API_KEY'] = key;
    try {
      await store.createCampaign(campaign('secret'));
      await store.addTrial('secret', { ...trial(), reason: `the key is ${key}` });
      await store.appendEvent('secret', {
        type: 'agent.fallback',
        agent: 'advisor',
        reason: `echo ${key}`,
      });
      await store.updateState('secret', 'lgt', z.object({ lesson: z.string() }), () => ({
        lesson: `use ${key}`,
      }));
      const dump = JSON.stringify(
        await Promise.all([
          redis.hgetall('test:{secret}:trials'),
          redis.xrange('test:{secret}:events', '-', '+'),
          redis.hgetall('test:{secret}:state'),
        ]),
      );
      expect(dump).not.toContain('planted-0123456789');
      expect(dump).toContain('[redacted]');
    } finally {
      delete process.env['OPENAI_API_KEY'];
    }
  });
  it('tallies trials by state, epochs and the running ones as they are written, as a full read counts them', async () => {
    await store.createCampaign(campaign('tally'));
    for (let i = 0; i < 6; i++) await store.addTrial('tally', trial());
    const others = new CampaignStore(createRedis(server.url), 'test');
    // Two clients at once, as a driver and a worker would write.
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        (n % 2 ? store : others).transitionTrial('tally', n, ['proposed'], 'running'),
      ),
    );
    await store.transitionTrial('tally', 1, ['running'], 'completed', { epochsRun: 7, value: 1 });
    await others.transitionTrial('tally', 2, ['running'], 'pruned', { epochsRun: 3, value: 0.5 });
    await store.transitionTrial('tally', 3, ['running'], 'failed', { epochsRun: 2, value: null });
    // A patch that changes no state moves only the epochs.
    await store.updateTrial('tally', 4, (t) => ({ ...t, epochsRun: 1 }));
    const tally = await store.trialTally('tally');
    // The tally says what the records say.
    const records = await store.listTrials('tally');
    for (const state of TRIAL_STATES)
      expect(tally.counts[state]).toBe(records.filter((t) => t.state === state).length);
    expect(tally.counts).toMatchObject({ proposed: 1, running: 2, completed: 1, pruned: 1 });
    expect(tally.running.map((t) => t.number)).toEqual([4, 5]);
    expect(tally.epochsRun).toBe(7 + 3 + 2 + 1);
    // A listing that shows only the counts reads them from the tally.
    expect(await store.trialCounts('tally')).toEqual(tally.counts);
    // What changed since a reader looked: the numbers written after its sequence.
    const since = await store.trialChangeSequence('tally');
    await store.transitionTrial('tally', 5, ['running'], 'completed', { value: 2 });
    expect((await store.trialsChangedSince('tally', since)).numbers).toEqual([5]);
    expect((await store.trialTally('tally')).running.map((t) => t.number)).toEqual([4]);
    // The summaries kept beside the records say what the records say.
    const kept = await store.listTrialSummaries('tally');
    expect(kept.map((t) => [t.number, t.state, t.value, t.epochsRun])).toEqual([
      [1, 'completed', 1, 7],
      [2, 'pruned', 0.5, 3],
      [3, 'failed', null, 2],
      [4, 'running', undefined, 1],
      [5, 'completed', 2, undefined],
      [6, 'proposed', undefined, undefined],
    ]);
    expect(await redis.hlen('test:{tally}:summaries')).toBe(6);

    // A campaign from before store versions (no version beside its record) is refused, naming
    // the versions and its keys; the listing skips it and says why, and shows the others.
    await redis.hdel('test:{tally}:campaign', 'version');
    const refused = await store.getCampaign('tally').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OtherStoreVersionError);
    expect((refused as Error).message).toContain('version 1');
    expect((refused as Error).message).toContain(`this lgt reads store version ${STORE_VERSION}`);
    expect((refused as Error).message).toContain('test:{tally}:*');
    await redis.hset('test:{tally}:campaign', 'version', STORE_VERSION + 1);
    await expect(store.getCampaign('tally')).rejects.toThrow(
      `written by store version ${STORE_VERSION + 1}`,
    );
    const { invalid } = await store.scanCampaigns();
    expect(invalid.map((e) => e.id)).toContain('tally');
  });
});
