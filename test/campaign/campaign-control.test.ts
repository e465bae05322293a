import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { CampaignRequestInput } from '../../src/contracts/campaign-request.ts';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { openQueues, type LgtQueues } from '../../src/queue/lgt-queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { campaignEnd, campaignEvents, startCampaign } from '../helpers/campaign-fixtures.ts';
import { startLgt, waitFor } from '../helpers/lgt-process.ts';
import { REPO_ROOT, sharedDataset } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { runningTrialLine } from '../../src/cli/campaign-commands.ts';
import { runningTrialView } from '../../src/campaign/campaign-overview.ts';

/** Cancelling, pruning, time limits, graceful shutdown and the campaign commands, on a real Redis. */
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-control-'));
let server: RedisServerProcess;
let redis: RedisClient;
let store: CampaignStore;
let queues: LgtQueues;
let service: WorkerService | null = null;

const start = (overrides: Partial<CampaignRequestInput>) =>
  startCampaign(store, queues, out, { maxTrials: 6, ...overrides });
const events = (id: string) => campaignEvents(store, id);
const finished = (id: string) => campaignEnd(store, id);

beforeAll(async () => {
  sharedDataset('iris.csv');
  process.env['LGT_LOCK_MS'] = '3000';
  process.env['LGT_STALLED_MS'] = '1000';
  server = await startRedisServer();
  redis = createRedis(server.url);
  store = new CampaignStore(redis);
  queues = openQueues(server.url);
});

afterEach(async () => {
  await service?.close(true);
  service = null;
  await redis.flushall();
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await server.stop();
});

describe('campaign control', () => {
  it("re-evaluates a cross-validated campaign's best on fresh folds within its budget, and judges by them", async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const campaign = await start({
      task: { kind: 'csv', file: sharedDataset('iris.csv'), target: 'Species' },
      maxTrials: 10,
      epochs: 3,
    });
    expect(campaign.request.cv).toBe(5);
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const trials = await store.listTrials(campaign.id);
    // The budget is exact: 8 search trials, then the default and the best again.
    expect(trials).toHaveLength(10);
    const again = trials.filter((t) => t.source === 'confirm');
    expect(again.map((t) => t.number)).toEqual([9, 10]);
    expect(again.every((t) => t.foldSeed === campaign.request.splitSeed + 1)).toBe(true);
    expect(again[0]!.config).toEqual(trials[0]!.config);
    expect(again.every((t) => t.foldValues?.length === 5)).toBe(true);
    // Fresh folds: another assignment of the rows, so other scores than the default's first.
    expect(again[0]!.foldValues).not.toEqual(trials[0]!.foldValues);
    const report = JSON.parse(readFileSync(path.join(done.reportDir!, 'report.json'), 'utf8')) as {
      best: {
        trial: number;
        againstDefault: { evidence: string; bestTrial: number; verdict: string };
      };
    };
    expect(report.best.againstDefault.evidence).toBe('fresh-folds');
    // The pick is a search trial (the default or the one whose advantage held), never a rerun.
    expect(report.best.trial).toBeLessThanOrEqual(8);
    expect(done.best!.trial).toBe(report.best.trial);
    expect(report.best.againstDefault.verdict).toContain(
      "the re-evaluation trained 2 of the campaign's 10 trials",
    );
  });

  it('stops a campaign whose first trials all fail, saying why, instead of failing its whole budget', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const campaign = await start({
      task: { kind: 'module', path: path.join(REPO_ROOT, 'test/fixtures/broken-data-task.ts') },
      maxTrials: 20,
    });
    const done = await finished(campaign.id);
    expect(done.status).toBe('failed');
    expect(done.stopReason).toBe('trials-failing');
    expect(done.error).toContain('the first 3 trials all failed');
    expect(done.error).toContain('broken on purpose');
    const trials = await store.listTrials(campaign.id);
    expect(trials.filter((t) => t.state === 'failed').length).toBeGreaterThanOrEqual(3);
    // At most the trials already running when the third failed, never the budget of 20.
    expect(trials.length).toBeLessThanOrEqual(5);
  });

  it('cancels: waiting trials are dropped, running ones stop between epochs', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const campaign = await start({ maxTrials: 8, epochs: 400 });
    await waitFor(
      'two running trials',
      async () => (await events(campaign.id)).filter((e) => e.type === 'trial.epoch').length >= 2,
    );
    const cancel = await runCli(['cancel', campaign.id, '--redis-url', server.url]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`cancelling ${campaign.id}`);
    const done = await finished(campaign.id);
    expect(done.status).toBe('cancelled');
    const trials = await store.listTrials(campaign.id);
    expect(trials.filter((t) => t.state === 'cancelled').length).toBeGreaterThanOrEqual(2);
    // The two that were running stopped early, long before their 400 epochs.
    for (const t of trials.filter((x) => x.epochsRun !== undefined))
      expect(t.epochsRun!).toBeLessThan(400);
    expect(trials.length).toBeLessThan(8);
    const again = await runCli(['cancel', campaign.id, '--redis-url', server.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'is cancelled; only a queued or running campaign can be cancelled',
    );
  });

  it('lgt status and the API say what a campaign waits for when no worker serves its queues', async () => {
    const campaign = await start({ maxTrials: 2, epochs: 2 });
    const idle = await runCli(['status', campaign.id, '--redis-url', server.url]);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stdout).toContain('queued');
    expect(idle.stdout).toContain(
      'no worker serves this Redis, so nothing carries the campaign on',
    );
    // Only a trials worker: the driver is what is missing.
    service = await WorkerService.start({ redisUrl: server.url, queues: ['trials'] });
    const json = await runCli(['status', campaign.id, '--json', '--redis-url', server.url]);
    expect(JSON.parse(json.stdout).waitingFor).toMatch(/^no worker serves the campaign queue/);
    await service.close(true);
    // A whole worker: nothing to wait for, and the campaign runs to its end.
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const served = await runCli(['status', campaign.id, '--json', '--redis-url', server.url]);
    expect(JSON.parse(served.stdout).waitingFor).toBeUndefined();
    expect((await finished(campaign.id)).status).toBe('completed');
  });

  it('a cancel while no worker serves the campaign queue ends the campaign at once, and a later worker leaves it ended', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const campaign = await start({ maxTrials: 8, epochs: 400 });
    await waitFor('running trials', async () =>
      (await events(campaign.id)).some((e) => e.type === 'trial.epoch'),
    );
    // The only worker goes away (its jobs handed back): no driver will ever see a cancel.
    await service.close(true);
    service = null;
    const cancel = await runCli(['cancel', campaign.id, '--redis-url', server.url]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(
      `cancelled ${campaign.id}: no worker serves the campaign queue`,
    );
    const ended = await store.requireCampaign(campaign.id);
    expect(ended.status).toBe('cancelled');
    const log = await events(campaign.id);
    expect(log.filter((e) => e.type === 'campaign.finished')).toHaveLength(1);
    const waiting = (await store.listTrials(campaign.id)).filter(
      (t) => t.state === 'queued' || t.state === 'proposed',
    );
    expect(waiting).toEqual([]);
    // A worker that starts afterwards trains nothing more of it.
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    await new Promise((r) => setTimeout(r, 3000));
    const after = await events(campaign.id);
    expect(after.filter((e) => e.type === 'trial.started').length).toBe(
      log.filter((e) => e.type === 'trial.started').length,
    );
    expect((await store.requireCampaign(campaign.id)).status).toBe('cancelled');
  });

  it('prunes trials below the median of earlier ones when asked', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 1 });
    const campaign = await start({ maxTrials: 12, parallel: 1, epochs: 30, pruner: 'median' });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const trials = await store.listTrials(campaign.id);
    const pruned = trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.epochsRun!).toBeLessThan(30);
    const log = await events(campaign.id);
    const event = log.find((e) => e.type === 'trial.pruned') as Extract<
      LoggedEvent,
      { type: 'trial.pruned' }
    >;
    expect(event.value).toBeLessThan(event.median!);
  });

  it('stops at the time limit and still reports the best trial', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    // Long enough for a trial process to start and finish a trial on a loaded machine (a few
    // seconds), far too short for the budget of 1000.
    const campaign = await start({ maxTrials: 1000, epochs: 10, timeLimitSeconds: 15 });
    const started = Date.now();
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(45_000);
    const trials = await store.listTrials(campaign.id);
    expect(trials.length).toBeLessThan(1000);
    expect(trials.filter((t) => t.state === 'completed').length).toBeGreaterThan(0);
    expect(done.best).toBeDefined();
    expect(done.stopReason).toBe('time-limit');
  });

  it('a worker stopped with SIGTERM finishes its running trial first', async () => {
    const campaign = await start({ maxTrials: 2, parallel: 1, epochs: 150 });
    const w = startLgt(['worker', '--redis-url', server.url, '--concurrency', '1']);
    await waitFor('a running trial', async () =>
      (await events(campaign.id)).some((e) => e.type === 'trial.epoch'),
    );
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.output()).toContain('finishing running trials');
    const trials = await store.listTrials(campaign.id);
    expect(trials[0]!.state).toBe('completed');
    expect(trials[0]!.epochsRun).toBe(150);
  });

  it('a worker stopped twice hands its running trial back without using up an attempt', async () => {
    const campaign = await start({ maxTrials: 1, parallel: 1, epochs: 2000 });
    const w = startLgt(['worker', '--redis-url', server.url, '--concurrency', '1']);
    await waitFor('a running trial', async () =>
      (await events(campaign.id)).some((e) => e.type === 'trial.epoch'),
    );
    w.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    w.child.kill('SIGINT');
    await w.exited;
    expect(w.output()).toContain('handing running trials back to the queue now');
    const trial = await waitFor('the trial back in the queue', async () => {
      const t = await store.getTrial(campaign.id, 1);
      return t?.state === 'queued' ? t : null;
    });
    expect(trial.attempts).toBe(1);
    const job = (await queues.trials.getJob(`${campaign.id}-t1`))!;
    expect(await job.getState()).toBe('waiting');
    expect(job.attemptsMade).toBe(0);
    const log = await events(campaign.id);
    expect(log.some((e) => e.type === 'trial.failed')).toBe(false);
  });

  it('fails a campaign whose driver keeps failing (its task no longer loads), saying why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-task-'));
    const module = path.join(dir, 'vanishing-task.ts');
    const examples = path.join(REPO_ROOT, 'examples', 'petal-width-task.ts');
    writeFileSync(
      module,
      readFileSync(examples, 'utf8').replace(
        "from 'lgt'",
        `from '${path.join(REPO_ROOT, 'src/index.ts')}'`,
      ),
    );
    // The module's directory is allowed (as `lgt run` and `lgt worker --task-dir` do).
    const campaign = await startCampaign(
      store,
      queues,
      out,
      { task: { kind: 'module', path: module }, maxTrials: 2 },
      { taskDirs: [dir] },
    );
    rmSync(module);
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 1, taskDirs: [dir] });
    const done = await finished(campaign.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain(`task module ${module} does not exist`);
    const log = await events(campaign.id);
    expect(log.at(-1)).toMatchObject({ type: 'campaign.failed' });
    const status = await runCli(['status', campaign.id, '--redis-url', server.url]);
    expect(status.stdout).toContain(': failed');
    expect(status.stdout).toContain('does not exist');
  });

  it('lists campaigns, shows status and prints the log', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    const campaign = await start({ maxTrials: 3, epochs: 5 });
    await finished(campaign.id);
    const list = await runCli(['list', '--redis-url', server.url]);
    expect(list.stdout).toMatch(
      new RegExp(`${campaign.id}\\s+iris\\s+random\\s+completed\\s+3/3\\s+accuracy`),
    );
    const status = await runCli(['status', campaign.id, '--redis-url', server.url]);
    expect(status.stdout).toContain(`${campaign.id}: completed`);
    expect(status.stdout).toContain('trials 3/3 done: 3 completed');
    // Without an id: the latest campaign's log, and which one it is.
    const logs = await runCli(['logs', '--redis-url', server.url]);
    expect(logs.stderr).toContain(`the latest campaign: ${campaign.id}`);
    expect(logs.stdout).toContain('campaign started: iris, strategy random, 3 trials, 2 at a time');
    expect(logs.stdout).toMatch(/#1 proposed by default: the search space's default configuration/);
    expect(logs.stdout).toMatch(/#2 proposed by random: random sample 1 \(seed 0\)/);
    expect(logs.stdout).toMatch(/campaign completed: best #\d accuracy/);
    const json = await runCli(['logs', campaign.id, '--json', '--redis-url', server.url]);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LoggedEvent);
    expect(lines[0]!.type).toBe('campaign.started');
    expect(lines.at(-1)!.type).toBe('campaign.finished');
    const missing = await runCli(['status', 'nope', '--redis-url', server.url]);
    expect(missing.stderr).toContain('no campaign nope (lgt list shows the campaigns)');
    const noRedis = await runCli(['list', '--redis-url', 'redis://127.0.0.1:1']);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('no Redis answers at redis://127.0.0.1:1');
  });

  it('a trial past --trial-timeout ends as timed out and the campaign goes on; lgt status shows epochs of their plan', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    // Random search from seed 0 on iris: its first sample (trial 2, after the default) trains
    // for about 25 s here, most others 1-5 s.
    // The step budget off: that sample is one of the corners it would cut (tested below).
    const campaign = await start({ maxTrials: 8, trialTimeoutSeconds: 8, stepBudget: 0 });
    await waitFor('trial 2 training', async () =>
      (await events(campaign.id)).some((e) => e.type === 'trial.epoch' && e.trial === 2),
    );
    const status = await runCli(['status', campaign.id, '--redis-url', server.url]);
    expect(status.stdout).toMatch(/#2 running on .*: epoch \d+\/\d+/);
    expect(status.stdout).toContain('trial timeout 8s');
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const trials = await store.listTrials(campaign.id);
    expect(trials).toHaveLength(8);
    const timedOut = trials.filter((t) => t.timedOut);
    expect(timedOut.length).toBeGreaterThan(0);
    for (const t of timedOut) {
      expect(t.state).toBe('failed');
      expect(t.value).toBeNull();
      expect(t.error).toContain('the limit is 8 s, --trial-timeout');
      expect(t.seconds!).toBeLessThan(20);
    }
    expect(trials.filter((t) => t.state === 'completed').length).toBeGreaterThan(2);
    const log = await events(campaign.id);
    expect(log.filter((e) => e.type === 'trial.timed-out')).toHaveLength(timedOut.length);
  });

  it('cuts epochs to the step budget and tells where a cross-validated trial is', async () => {
    service = await WorkerService.start({ redisUrl: server.url, concurrency: 2 });
    // Half the default's steps: the default configuration itself (100 epochs) gets 50.
    const campaign = await start({ maxTrials: 3, cv: 3, stepBudget: 0.5 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const trials = await store.listTrials(campaign.id);
    const byDefault = trials.find((t) => t.number === 1)!;
    expect(byDefault.source).toBe('default');
    expect(byDefault.epochCap).toEqual({ requested: 100, allowed: 50 });
    expect(byDefault.progress).toEqual({ plannedEpochs: 50, fold: 3, folds: 3 });
    for (const t of trials.filter((x) => x.state === 'completed')) {
      expect(t.foldValues).toHaveLength(3);
      // The last fold said where it was, with the epochs it planned: cut or not as the first
      // fold (folds differ by a row, so a cut may differ by an epoch).
      expect(t.progress).toMatchObject({ fold: 3, folds: 3 });
      const planned = t.epochCap?.allowed ?? (t.config['epochs'] as number);
      expect(Math.abs(t.progress!.plannedEpochs! - planned)).toBeLessThanOrEqual(1);
      expect(t.epochsRun!).toBeLessThanOrEqual(planned);
    }
    const logs = await runCli(['logs', campaign.id, '--redis-url', server.url]);
    expect(logs.stdout).toMatch(
      /#1 finished: accuracy [\d.]+ \(50 of its 100 epochs \(cut by the step budget\)/,
    );
    // lgt status on a trial in its third fold: the fold, and the first fold's curve.
    const curve = [
      {
        epoch: 1,
        loss: 1,
        validationLoss: 1,
        validationMetric: 0.5,
        learningRate: 0.01,
        seconds: 0.1,
        samplesPerSecond: 10,
      },
    ];
    const line = runningTrialLine(
      runningTrialView(
        { ...byDefault, worker: 'w:1', progress: { plannedEpochs: 50, fold: 3, folds: 3 } },
        [...curve, { ...curve[0]!, epoch: 2, validationMetric: 0.75 }],
        done.request,
      ),
      done.metric.name,
    );
    expect(line).toBe('  #1 running on w:1: fold 3/3 (fold 1: epoch 2/50, val accuracy 0.75)');
  });
});

describe('an LLM that never answers', () => {
  /** A loopback port nothing listens on: every call to it is refused at once. */
  async function deadEndpoint(): Promise<string> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return `http://127.0.0.1:${port}/v1`;
  }

  const runWithDeadLlm = async (endpoint: string, extra: string[] = []) =>
    runCli(
      [
        'run',
        'iris',
        '--strategy',
        'lgt',
        '--agents',
        'llm',
        '--trials',
        '4',
        '--epochs',
        '3',
        '--redis-url',
        server.url,
        '--out',
        out,
        ...extra,
      ],
      {
        LGT_LLM_BASE_URL: endpoint,
        OPENAI_API_KEY: 'sk-test-never-sent',
        LGT_LLM_MAX_RETRIES: '0',
      },
    );

  it('says so in the summary, the report and the exit code (3), naming the endpoint', async () => {
    const endpoint = await deadEndpoint();
    const run = await runWithDeadLlm(endpoint);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/the LLM never answered: all \d+ agent turns fell back to rules/);
    expect(run.stdout).toContain(endpoint);
    // The summary's three scores, each named for what it is (iris's own split: no folds).
    expect(run.stdout).toMatch(/validation accuracy +retrain validation accuracy +test accuracy/);
    // The campaign itself completed on the rules, with its report.
    const [campaign] = await store.listCampaigns();
    expect(campaign!.status).toBe('completed');
    const report = JSON.parse(readFileSync(path.join(campaign!.reportDir!, 'report.json'), 'utf8'));
    expect(report.llmUsage.calls).toBe(0);
    expect(report.llmUsage.fallbacks).toBeGreaterThan(0);
    expect(report.llmUsage.firstFallback).toContain(endpoint);
    expect(JSON.stringify(report)).not.toContain('sk-test-never-sent');
    // lgt status (and the API's overview, the same record) count them too.
    const status = await runCli(['status', campaign!.id, '--redis-url', server.url]);
    expect(status.stdout).toMatch(/the LLM never answered: all \d+ agent turns fell back to rules/);
  });

  it('--llm-required fails the campaign at the first turn the LLM does not answer', async () => {
    const endpoint = await deadEndpoint();
    const run = await runWithDeadLlm(endpoint, ['--llm-required', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const campaign = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as CampaignRecord;
    expect(campaign.status).toBe('failed');
    expect(campaign.stopReason).toBe('llm-unavailable');
    expect(campaign.error).toContain('--llm-required');
    expect(campaign.error).toContain(endpoint);
    // Nothing the rules proposed in the LLM's place was trained: only the first round, which
    // asks no agent (the default, the untuned baseline, the default again for the noise), and
    // no final retrain.
    const trials = await store.listTrials(campaign.id);
    expect(trials.map((t) => t.source)).toEqual(['default', 'baseline', 'default']);
    expect(campaign.best).toBeDefined();
    const log = await events(campaign.id);
    expect(log.filter((e) => e.type === 'campaign.final')).toEqual([]);
  });

  it('--llm-required holds in --mode dynamic, and is refused where no agent is asked', async () => {
    const endpoint = await deadEndpoint();
    const dynamic = await runCli(
      ['run', 'iris', '--mode', 'dynamic', '--agents', 'llm', '--llm-required', '--json'].concat([
        '--epochs',
        '4',
        '--decide-every',
        '2',
        '--redis-url',
        server.url,
        '--out',
        out,
      ]),
      {
        LGT_LLM_BASE_URL: endpoint,
        OPENAI_API_KEY: 'sk-test-never-sent',
        LGT_LLM_MAX_RETRIES: '0',
      },
    );
    expect(dynamic.code, dynamic.stderr).toBe(1);
    const campaign = JSON.parse(dynamic.stdout.trim().split('\n').at(-1)!) as CampaignRecord;
    expect(campaign.status).toBe('failed');
    expect(campaign.stopReason).toBe('llm-unavailable');
    expect(campaign.error).toContain(endpoint);
    const pbt = await runCli(
      ['run', 'iris', '--mode', 'pbt', '--llm-required', '--redis-url', server.url],
      { LGT_LLM_BASE_URL: endpoint },
    );
    expect(pbt.code).toBe(2);
    expect(pbt.stderr).toContain(
      '--llm-required has nothing to require: --mode pbt asks no agent; the agents speak in --strategy lgt or hybrid and in --mode dynamic',
    );
  });
});
