import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { CampaignRequestInput } from '../../src/contracts/campaign-request.ts';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { openQueues } from '../../src/queue/lgt-queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import {
  campaignEnd,
  campaignEvents,
  campaignRequest,
  expectWholeCampaign,
  startCampaign,
} from '../helpers/campaign-fixtures.ts';
import { startLgt, waitFor } from '../helpers/lgt-process.ts';
import { SHARED_DATASETS } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useWorkerProcesses } from '../helpers/worker-process-harness.ts';

/**
 * Whole campaigns with real `lgt worker` processes against a real redis-server: parallel trials,
 * a worker killed mid-trial, the driver's process killed, Redis restarted.
 */
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-campaigns-'));
const h = useWorkerProcesses(() => startRedisServer());

const start = (overrides: Partial<CampaignRequestInput> = {}) =>
  startCampaign(h.store, h.queues, out, overrides);

const finished = (id: string) => campaignEnd(h.store, id);

const events = (id: string) => campaignEvents(h.store, id);

function count<T>(items: T[], key: (t: T) => unknown): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe('campaigns with worker processes', () => {
  it('runs 8 random iris trials on 2 worker processes in parallel, with the report and the best model', async () => {
    h.worker(['--concurrency', '1']);
    h.worker(['--concurrency', '1']);
    const run = await runCli(
      [
        'run',
        'iris',
        '--trials',
        '8',
        '--parallel',
        '2',
        '--epochs',
        '60',
        '--no-local-workers',
        '--redis-url',
        h.server.url,
        '--out',
        out,
        '--json',
      ],
      { LGT_DATA_DIR: SHARED_DATASETS },
    );
    expect(run.code).toBe(0);
    const campaign = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as CampaignRecord;
    expect(campaign.status).toBe('completed');
    const trials = await h.store.listTrials(campaign.id);
    expectWholeCampaign(trials, 8);
    // Parallel: some two trials ran at the same time, on different worker processes.
    const overlapping = trials.some((a) =>
      trials.some(
        (b) =>
          a.number < b.number &&
          a.worker !== b.worker &&
          a.startedAt! < b.finishedAt! &&
          b.startedAt! < a.finishedAt!,
      ),
    );
    expect(overlapping).toBe(true);
    const report = JSON.parse(readFileSync(path.join(campaign.reportDir!, 'report.json'), 'utf8'));
    expect(report.trials).toHaveLength(8);
    expect(report.trials[0].curve).toHaveLength(60);
    expect(report.best.trial).toBe(campaign.best!.trial);
    expect(report.best.final.test.accuracy).toBeGreaterThan(0);
    expect(report.best.final.reproduced).toBe(true);
    expect(report.campaign.status).toBe('completed');
    expect(report.events.some((e: LoggedEvent) => e.type === 'campaign.final')).toBe(true);
    expect(
      readFileSync(path.join(campaign.reportDir!, 'trials.csv'), 'utf8').trim().split('\n'),
    ).toHaveLength(9);
    const model = JSON.parse(
      readFileSync(path.join(campaign.reportDir!, 'model', 'model.json'), 'utf8'),
    );
    expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(existsSync(path.join(campaign.reportDir!, 'model', 'weights.bin'))).toBe(true);
    // The live log was streamed as JSON lines, proposals with their reasons included.
    expect(run.stdout).toContain('"type":"proposal"');
  });

  it('retries a trial whose worker was killed (SIGKILL) and completes every trial exactly once', async () => {
    const doomed = h.worker(['--concurrency', '1']);
    h.worker(['--concurrency', '1']);
    // Five trials are enough to see one retried: the four after the kill train one at a time.
    const campaign = await start({ epochs: 250, maxTrials: 5 });
    // Both workers are training (two trials started, none finished): kill one of them.
    // Two distinct trials with epochs (two epochs of one trial would leave the doomed worker idle).
    await waitFor('two running trials', async () => {
      const e = await events(campaign.id);
      const training = new Set(
        e.filter((x) => x.type === 'trial.epoch').map((x) => (x as { trial: number }).trial),
      );
      return training.size >= 2 && !e.some((x) => x.type === 'trial.finished');
    });
    await doomed.kill('SIGKILL');
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const trials = await h.store.listTrials(campaign.id);
    expectWholeCampaign(trials, 5);
    expect(trials.some((t) => t.attempts >= 2)).toBe(true);
    const finishedEvents = (await events(campaign.id)).filter((e) => e.type === 'trial.finished');
    expect(
      [...count(finishedEvents, (e) => (e as { trial: number }).trial).values()].every(
        (n) => n === 1,
      ),
    ).toBe(true);
    expect(finishedEvents).toHaveLength(5);
  });

  it('resumes a campaign whose driver process was killed, training no trial twice', async () => {
    const driver = h.worker(['--queues', 'campaign']);
    h.worker(['--queues', 'trials', '--concurrency', '2']);
    const campaign = await start({ epochs: 120 });
    await waitFor(
      'three finished trials',
      async () =>
        (await events(campaign.id)).filter((e) => e.type === 'trial.finished').length >= 3,
    );
    await driver.kill('SIGKILL');
    h.worker(['--queues', 'campaign']);
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const log = await events(campaign.id);
    expect(log.some((e) => e.type === 'campaign.resumed')).toBe(true);
    expect(log.filter((e) => e.type === 'proposal')).toHaveLength(8);
    const starts = count(
      log.filter((e) => e.type === 'trial.started'),
      (e) => (e as { trial: number }).trial,
    );
    expect([...starts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...starts.values()].every((n) => n === 1)).toBe(true);
    const report = JSON.parse(readFileSync(path.join(done.reportDir!, 'report.json'), 'utf8'));
    expect(report.trials.map((t: TrialRecord) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('a campaign across a Redis restart', () => {
  it('finishes when Redis (with persistence) restarts in the middle', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-redis-'));
    const durable = await startRedisServer({ persistence: { dir } });
    const client = createRedis(durable.url);
    const durableStore = new CampaignStore(client);
    const durableQueues = openQueues(durable.url);
    let restarted: RedisServerProcess | null = null;
    const slow = { LGT_LOCK_MS: '15000', LGT_STALLED_MS: '5000' };
    const workers = [startLgt(['worker', '--redis-url', durable.url, '--concurrency', '2'], slow)];
    try {
      const campaign = await createCampaign(
        durableStore,
        durableQueues,
        await prepareCampaign(campaignRequest(out, { maxTrials: 6, epochs: 100 })),
      );
      await waitFor(
        'two finished trials',
        async () =>
          (await durableStore.readEvents(campaign.id, '0', { count: 10_000 })).filter(
            (e) => e.type === 'trial.finished',
          ).length >= 2,
      );
      await durable.stop();
      await new Promise((r) => setTimeout(r, 500));
      restarted = await startRedisServer({ port: durable.port, persistence: { dir } });
      const done = await waitFor(
        'the campaign to finish after the restart',
        async () => {
          const c = await durableStore.getCampaign(campaign.id);
          return c?.status === 'completed' ? c : null;
        },
        120_000,
      );
      expectWholeCampaign(await durableStore.listTrials(campaign.id), 6);
      expect(existsSync(path.join(done.reportDir!, 'report.json'))).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await durableQueues.close();
      client.disconnect();
      await restarted?.stop();
    }
  });
});

describe('campaign requests', () => {
  it('refuses an unknown task, a negative budget and a bad strategy, saying what to change', async () => {
    const env = { LGT_DATA_DIR: SHARED_DATASETS };
    const unknown = await runCli(['run', 'irsi', '--redis-url', h.server.url], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown task "irsi"; built-in tasks: iris');
    const negative = await runCli(
      ['run', 'iris', '--trials', '-3', '--redis-url', h.server.url],
      env,
    );
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--trials must be at least 1');
    const strategy = await runCli(
      ['run', 'iris', '--strategy', 'bayes', '--parallel', '0', '--redis-url', h.server.url],
      env,
    );
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toContain('--strategy must be one of auto, random, grid');
    expect(strategy.stderr).toContain('--parallel must be at least 1');
    const grid = await runCli(
      ['run', 'iris', '--strategy', 'grid', '--grid-params', 'lr', '--redis-url', h.server.url],
      env,
    );
    expect(grid.stderr).toContain('--grid-params names unknown parameters of iris: lr');
    const divergence = await runCli(
      [
        'run',
        'iris',
        '--strategy',
        'fdpg',
        '--divergence',
        'hellinger',
        '--redis-url',
        h.server.url,
      ],
      env,
    );
    expect(divergence.code).toBe(2);
    expect(divergence.stderr).toContain(
      '--divergence must be one of js, kl, rkl, tv (got "hellinger")',
    );
    // Nothing was written for refused requests.
    expect(await h.store.listCampaigns()).toEqual([]);
  });

  it('stops at once, before creating the campaign, when the data file is missing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'lgt-no-data-'));
    const run = await runCli(['run', 'iris', '--trials', '4', '--redis-url', h.server.url], {
      LGT_DATA_DIR: empty,
      LGT_OFFLINE: '1',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('data file iris.csv');
    expect(run.stderr).toContain(`Searched: ${empty}`);
    expect(run.stderr).not.toContain('failed (attempt');
    expect(await h.store.listCampaigns()).toEqual([]);
  });

  it('keeps the data directory with the campaign; a worker reads it where its --data-dir allows', async () => {
    const run = await runCli(
      ['run', 'iris', '--trials', '2', '--epochs', '3', '--detach', '--redis-url', h.server.url],
      { LGT_DATA_DIR: SHARED_DATASETS, LGT_OFFLINE: '1' },
    );
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect((await h.store.getCampaign(id))!.request.dataDirs).toEqual([SHARED_DATASETS]);
    // No LGT_DATA_DIR: the worker's own --data-dir is what lets it read there (a record alone
    // cannot, see test/security).
    h.worker(['--concurrency', '1', '--data-dir', SHARED_DATASETS], {
      LGT_DATA_DIR: '',
      LGT_OFFLINE: '1',
    });
    const done = await finished(id);
    expect(done.status).toBe('completed');
  });
});
