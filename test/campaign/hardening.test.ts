import { STORE_VERSION } from '../../src/campaign/store-keys.ts';
import { TrialJobResultSchema } from '../../src/contracts/trial-job.ts';
import { z } from 'zod';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { CampaignRequestInput } from '../../src/contracts/campaign-request.ts';
import { waitingFor } from '../../src/campaign/waiting-for.ts';
import { jobIds } from '../../src/queue/lgt-queues.ts';
import { answersPing } from '../../src/queue/redis-server-process.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import {
  campaignEnd,
  campaignEvents,
  campaignRequest,
  expectWholeCampaign,
  startCampaign,
} from '../helpers/campaign-fixtures.ts';
import { startLgt, waitFor } from '../helpers/lgt-process.ts';
import { REPO_ROOT, SHARED_DATASETS } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useWorkerProcesses } from '../helpers/worker-process-harness.ts';

/**
 * What used to go wrong under outages, pauses, hostile records and careless input (issue 10),
 * with real `lgt` processes against a real redis-server that wants a password and keeps an
 * append-only file, so it can be killed and started again with everything it acknowledged.
 */
const PASSWORD = 'hardening-redis-pass';
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-hardening-'));
const redisDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-hardening-redis-'));
const h = useWorkerProcesses(() => startServer());

const start = (overrides: Partial<CampaignRequestInput> = {}) =>
  startCampaign(h.store, h.queues, out, overrides);
const events = (id: string) => campaignEvents(h.store, id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(port?: number): Promise<RedisServerProcess> {
  return startRedisServer({
    persistence: { dir: redisDir },
    password: PASSWORD,
    ...(port ? { port } : {}),
  });
}

/** kill -9 of the redis-server, and the wait until its port is closed. */
async function killServer(s: RedisServerProcess): Promise<void> {
  process.kill(s.pid, 'SIGKILL');
  await waitFor('redis-server to die', async () => !(await answersPing(s.port)));
}

/**
 * A campaign as it must be after anything: the budget exact (trials 1..n, once each), every
 * trial completed with a configuration of its own, and every learning curve with its epochs
 * once, in order, as many as the trial ran.
 */
async function expectExactCampaign(id: string, n: number): Promise<TrialRecord[]> {
  const trials = await h.store.listTrials(id);
  expectWholeCampaign(trials, n);
  const curves = await h.store.getCurves(
    id,
    trials.map((t) => t.number),
  );
  for (const t of trials) {
    expect(curves.get(t.number)!.map((r) => r.epoch)).toEqual(
      Array.from({ length: t.epochsRun! }, (_, i) => i + 1),
    );
  }
  const log = await events(id);
  expect(log.filter((e) => e.type === 'proposal')).toHaveLength(n);
  const finishedTrials = log
    .filter((e) => e.type === 'trial.finished')
    .map((e) => (e as { trial: number }).trial);
  expect(new Set(finishedTrials).size).toBe(finishedTrials.length);
  return trials;
}

describe('one driver per campaign', () => {
  it('through a Redis outage longer than the locks (kill -9, then a restart): budget exact, no duplicate, every curve once', async () => {
    h.worker(['--concurrency', '1']);
    h.worker(['--concurrency', '1']);
    const campaign = await start({ maxTrials: 8, parallel: 2, epochs: 150 });
    await waitFor('a finished trial and two running', async () => {
      const log = await events(campaign.id);
      const finished = log.filter((e) => e.type === 'trial.finished').length;
      return finished >= 1 && log.filter((e) => e.type === 'trial.started').length >= 3;
    });
    await killServer(h.server);
    // Longer than the workers' locks (3 s in tests, see FAST_RECOVERY): every job is lost.
    await sleep(9000);
    h.server = await startServer(h.server.port);
    const done = await campaignEnd(h.store, campaign.id, 180_000);
    expect(done.status).toBe('completed');
    await expectExactCampaign(campaign.id, 8);
  });

  it('a Redis kill -9 during the final retrain: the retrain is scored and logged once, the report right', async () => {
    h.worker(['--concurrency', '1']);
    const campaign = await start({ maxTrials: 1, parallel: 1, epochs: 400 });
    await waitFor(
      'the final retrain to be training',
      async () => (await h.queues.trials.getJobState(jobIds.final(campaign.id))) === 'active',
      120_000,
    );
    await sleep(500);
    await killServer(h.server);
    // Longer than the workers' locks (3 s in tests): the driver's and the final job's are lost.
    await sleep(9000);
    h.server = await startServer(h.server.port);
    const done = await campaignEnd(h.store, campaign.id, 180_000);
    expect(done.status).toBe('completed');
    expect(done.error).toBeUndefined();
    const log = await events(campaign.id);
    expect(log.filter((e) => e.type === 'campaign.final')).toHaveLength(1);
    // BullMQ started the final job twice (its first attempt lost its lock): the second found
    // the first's result and trained nothing (before the fence it trained again).
    const finalJob = await h.queues.trials.getJob(jobIds.final(campaign.id));
    expect(finalJob!.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(await h.store.getState(campaign.id, 'final-trainings', z.number())).toBe(1);
    // The scored result is the one stored once, and the report carries it.
    const stored = await h.store.getState(campaign.id, 'final-result', TrialJobResultSchema);
    expect(stored?.test).toBeDefined();
    const report = JSON.parse(readFileSync(path.join(done.reportDir!, 'report.json'), 'utf8')) as {
      best: { final: { test?: { loss: number } } | null };
    };
    expect(report.best.final?.test).toEqual(stored!.test);
  });

  it('a driver paused (SIGSTOP) past its lock stops writing once a new driver has taken over', async () => {
    const first = h.worker(['--queues', 'campaign']);
    h.worker(['--queues', 'trials', '--concurrency', '2']);
    const campaign = await start({ maxTrials: 8, parallel: 2, epochs: 120 });
    await waitFor('trials running', async () =>
      (await events(campaign.id)).some((e) => e.type === 'trial.epoch'),
    );
    const second = h.worker(['--queues', 'campaign']);
    await waitFor('the second driver worker', async () => second.output().includes('worker ready'));
    first.child.kill('SIGSTOP');
    await waitFor(
      'the second driver to take over',
      async () => (await events(campaign.id)).some((e) => e.type === 'campaign.resumed'),
      30_000,
    );
    await sleep(2000);
    first.child.kill('SIGCONT');
    const done = await campaignEnd(h.store, campaign.id);
    expect(done.status).toBe('completed');
    await expectExactCampaign(campaign.id, 8);
    await waitFor('the paused driver to say it stopped', async () =>
      first.output().includes(`driver of ${campaign.id} stopped`),
    );
  });
});

describe('Redis content is data', () => {
  it('refuses a hand-written hostile record, and writes nothing outside its runs directory', async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-runs-'));
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'lgt-elsewhere-'));
    const moduleDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-evil-module-'));
    const marker = path.join(moduleDir, 'imported');
    writeFileSync(
      path.join(moduleDir, 'evil-task.mjs'),
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`,
    );
    const record = (id: string, request: Partial<CampaignRequestInput>): CampaignRecord =>
      ({
        id,
        request: {
          ...campaignRequest(elsewhere, { maxTrials: 2, epochs: 3 }),
          gridResolution: 3,
          agents: 'rules',
          candidates: 'tpe',
          divergence: 'js',
          optimizeEvery: 3,
          ...request,
        },
        taskName: 'iris',
        metric: { name: 'accuracy', direction: 'maximize' },
        status: 'queued',
        createdAt: Date.now(),
      }) as CampaignRecord;
    const plant = async (c: CampaignRecord) => {
      // As one who can write to Redis would: with the version this lgt reads.
      await h.redis.hset(
        `lgt:{${c.id}}:campaign`,
        'record',
        JSON.stringify(c),
        'rev',
        1,
        'version',
        STORE_VERSION,
      );
      await h.queues.campaign.add('drive', { campaignId: c.id }, { jobId: jobIds.driver(c.id) });
    };
    // Valid, but asking for a report directory outside the worker's runs directory.
    await plant(record('outside-dir', {}));
    // Out of bounds: a hundred thousand epochs per trial.
    await plant(record('huge-epochs', { epochs: 100_000 }));
    // A task module the worker was never told to allow: importing it would run its code.
    await plant(
      record('foreign-module', {
        task: { kind: 'module', path: path.join(moduleDir, 'evil-task.mjs') },
      }),
    );
    h.worker(['--runs-dir', runsDir, '--concurrency', '2']);
    const ok = await campaignEnd(h.store, 'outside-dir');
    expect(ok.status).toBe('completed');
    expect(ok.reportDir).toBe(path.join(runsDir, 'outside-dir'));
    expect(existsSync(path.join(runsDir, 'outside-dir', 'report.json'))).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);

    const refusal = await waitFor('the out-of-bounds campaign to be refused', async () => {
      const log = await events('huge-epochs');
      return log.find((e) => e.type === 'campaign.failed');
    });
    expect('error' in refusal ? refusal.error : '').toContain(
      'request.epochs: must be at most 10,000',
    );
    expect(await h.store.listTrials('huge-epochs')).toEqual([]);

    // A module outside the worker's task directories is never imported, and it does not fail
    // the campaign either: the worker puts the job back for one whose operator allows the
    // directory, and the campaign says so.
    await waitFor('the worker to leave the foreign module for another', async () => {
      const job = await h.queues.campaign.getJob(jobIds.driver('foreign-module'));
      return (await job?.getState()) === 'delayed';
    });
    const foreign = await h.store.requireCampaign('foreign-module');
    expect(foreign.status).toBe('queued');
    expect(await waitingFor(h.queues, h.redis, foreign)).toContain(
      `start one with \`lgt worker --task-dir '${moduleDir}'\``,
    );
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('bounded work', () => {
  it('refuses options past their bounds, saying each bound', async () => {
    const run = await runCli(
      [
        'run',
        'iris',
        '--trials',
        '1000000',
        '--parallel',
        '100000',
        '--epochs',
        '100000',
        '--redis-url',
        h.server.url,
      ],
      { LGT_DATA_DIR: SHARED_DATASETS },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--trials must be at most 100,000');
    expect(run.stderr).toContain('--parallel must be at most 1,000');
    expect(run.stderr).toContain('--epochs must be at most 10,000');
    expect(await h.store.listCampaigns()).toEqual([]);
  });

  it('a cancel drops a thousand waiting trials in seconds, and proposals stop', async () => {
    // A driver only: no trial ever starts, so every proposal waits.
    h.worker(['--queues', 'campaign']);
    const campaign = await start({ maxTrials: 5000, parallel: 1000, epochs: 5 });
    await waitFor(
      'hundreds of waiting trials',
      async () => (await h.store.listTrials(campaign.id)).length >= 300,
    );
    const asked = Date.now();
    const cancel = await runCli(['cancel', campaign.id, '--redis-url', h.server.url]);
    expect(cancel.code).toBe(0);
    const done = await campaignEnd(h.store, campaign.id, 60_000);
    const seconds = (Date.now() - asked) / 1000;
    expect(done.status).toBe('cancelled');
    expect(seconds).toBeLessThan(30);
    const trials = await h.store.listTrials(campaign.id);
    expect(trials.length).toBeLessThanOrEqual(1000);
    expect(trials.every((t) => t.state === 'cancelled')).toBe(true);
    expect(await h.queues.trials.getWaitingCount()).toBe(0);
  });

  it("a worker's second SIGTERM ends it within seconds, even with its Redis gone", async () => {
    // Its own Redis, killed under it: closing cleanly would wait for it forever.
    const lonely = await startRedisServer();
    try {
      const stuck = startLgt(['worker', '--redis-url', lonely.url]);
      h.track(stuck);
      await waitFor('the worker to be ready', async () => stuck.output().includes('worker ready'));
      process.kill(lonely.pid, 'SIGKILL');
      await sleep(500);
      stuck.child.kill('SIGTERM');
      await sleep(500);
      const asked = Date.now();
      stuck.child.kill('SIGTERM');
      await stuck.exited;
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(stuck.output()).toContain('handing running trials back to the queue now');
    } finally {
      await lonely.stop();
    }
  });
});

describe('degenerate data and task modules', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-degenerate-'));
  const csv = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('refuses data too small to split, or a target without variance, before the campaign starts', async () => {
    const oneRow = csv('one.csv', 'x,y\n1,2\n');
    const twoRows = csv('two.csv', 'x,y\n1,2\n3,4\n');
    const constant = csv(
      'constant.csv',
      // x is a feature (every other whole number), not a row number that would be left out.
      `x,y\n${Array.from({ length: 60 }, (_, i) => `${i * 2},7.5`).join('\n')}\n`,
    );
    const run = (file: string, extra: string[] = []) =>
      runCli(['run', '--csv', file, '--target', 'y', '--redis-url', h.server.url, ...extra]);
    const one = await run(oneRow, ['--kind', 'regression']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('one.csv has too few rows: 1;');
    const two = await run(twoRows, ['--kind', 'regression']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('two.csv has too few rows: 2;');
    const flat = await run(constant, ['--kind', 'regression']);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toContain('has one value in all');
    expect(await h.store.listCampaigns()).toEqual([]);
  });

  it('a campaign with no finite result ends failed, with a non-zero exit', async () => {
    const run = await runCli(
      [
        'run',
        './test/fixtures/broken-data-task.ts',
        '--trials',
        '2',
        '--redis-url',
        h.server.url,
        '--out',
        out,
      ],
      { LGT_DATA_DIR: SHARED_DATASETS },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(': failed');
    expect(run.stdout).toContain('no trial produced a finite validation result');
  });

  it('loads task modules from anywhere (.ts and .js, no package.json beside them), with a load timeout', async () => {
    const moduleDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-my-tasks-'));
    const ts = path.join(moduleDir, 'petal-width-task.ts');
    copyFileSync(path.join(REPO_ROOT, 'examples', 'petal-width-task.ts'), ts);
    const js = path.join(moduleDir, 'sepal-task.js');
    writeFileSync(
      js,
      `import { defineTabularTask, readCsvTable, resolveDataFile } from 'lgt';
export default defineTabularTask({
  name: 'sepal', title: 'Sepal length', description: 'Predict the sepal length of an iris.',
  kind: 'regression', metric: { name: 'mae', direction: 'minimize' },
  source: async (options) => readCsvTable(await resolveDataFile({ file: 'iris.csv', title: 'Iris' }, options)),
  dataSummary: 'iris.csv', target: 'Sepal.Length', hasMissingValues: false, hasCategoricalColumns: true,
  training: { maxEpochs: 50, defaultEpochs: 5, defaultBatchSize: 16 }, baseline: {},
});
`,
    );
    const hanging = path.join(moduleDir, 'hanging-task.ts');
    writeFileSync(hanging, 'await new Promise(() => {});\nexport default {};\n');
    const env = { LGT_DATA_DIR: SHARED_DATASETS, LGT_TASK_LOAD_TIMEOUT_MS: '3000' };
    for (const file of [ts, js]) {
      const trial = await runCli(['trial', '--task', file, '--epochs', '2', '--json'], env, dir);
      expect(trial.code, trial.stderr).toBe(0);
      expect(JSON.parse(trial.stdout).validation.mae).toBeGreaterThan(0);
    }
    const started = Date.now();
    const hang = await runCli(['trial', '--task', hanging], env, dir);
    expect(hang.code).toBe(2);
    expect(hang.stderr).toContain('did not finish loading within 3 s');
    expect(Date.now() - started).toBeLessThan(30_000);
    // A campaign on a module outside the working directory: its own workers may load it.
    const run = await runCli(
      [
        'run',
        ts,
        '--trials',
        '2',
        '--epochs',
        '3',
        '--redis-url',
        h.server.url,
        '--out',
        out,
        '--json',
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!).status).toBe('completed');
  });
});

describe('small ones', () => {
  it('a queued campaign cancelled with no worker running is cancelled at once', async () => {
    const campaign = await start({ maxTrials: 3 });
    const cancel = await runCli(['cancel', campaign.id, '--redis-url', h.server.url]);
    expect(cancel.stdout).toContain(`cancelled ${campaign.id}: it had not started`);
    expect((await h.store.getCampaign(campaign.id))!.status).toBe('cancelled');
    expect(await h.queues.campaign.getJob(jobIds.driver(campaign.id))).toBeUndefined();
  });

  it("a cancelled campaign's summary names only what was written", async () => {
    const running = runCli(
      [
        'run',
        'iris',
        '--trials',
        '20',
        '--epochs',
        '400',
        '--redis-url',
        h.server.url,
        '--out',
        out,
      ],
      { LGT_DATA_DIR: SHARED_DATASETS },
    );
    const campaign = await waitFor('the campaign to run', async () => {
      const [c] = await h.store.listCampaigns();
      return c && (await events(c.id)).some((e) => e.type === 'trial.epoch') ? c : null;
    });
    await runCli(['cancel', campaign.id, '--redis-url', h.server.url]);
    const run = await running;
    expect(run.stdout).toContain(`campaign ${campaign.id}: cancelled`);
    expect(run.stdout).toContain('report.json (also trials.csv)');
    expect(run.stdout).not.toContain('model/model.json');
  });
});
