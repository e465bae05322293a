import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { CampaignReport } from '../../src/contracts/campaign-report.ts';
import { startRedisServer } from '../../src/queue/redis-server-process.ts';
import { campaignEnd, campaignEvents, startCampaign } from '../helpers/campaign-fixtures.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { SHARED_DATASETS } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useWorkerProcesses } from '../helpers/worker-process-harness.ts';

/**
 * In-run tuning with real `lgt worker` processes and `lgt run`: a worker killed while it trains
 * a branch, the command line's flags, the live log, and carrying on another campaign's best.
 */
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-in-run-processes-'));
const h = useWorkerProcesses(() => startRedisServer());
const worker = () => h.worker(['--concurrency', '1', '--runs-dir', out]);
const env = { LGT_DATA_DIR: SHARED_DATASETS };

describe('in-run tuning across worker processes', () => {
  it('loses nothing when a worker is killed (SIGKILL) while it trains a branch', async () => {
    const doomed = worker();
    worker();
    // Stretches of 400 epochs: long enough to kill a worker in the middle of one.
    const campaign = await startCampaign(h.store, h.queues, out, {
      mode: 'dynamic',
      epochs: 1200,
      inRun: { decideEvery: 400, attempts: 1 },
      // No control run beside the branches: both workers train the two branches at once.
      defaultFirst: false,
    });
    const running = async () => {
      const trials = await h.store.listTrials(campaign.id);
      const branches = trials.filter(
        (t) => t.segment?.from !== undefined && t.state === 'running' && t.worker,
      );
      return branches.length === 2 ? branches : null;
    };
    // Both branches of the first decision are training, one on each worker: kill one.
    const branches = await waitFor('both branches of a decision running', running, 60_000);
    await doomed.kill('SIGKILL');
    const done = await campaignEnd(h.store, campaign.id, 180_000);
    expect(done.status).toBe('completed');
    const trials = await h.store.listTrials(campaign.id);
    expect(trials.every((t) => t.state === 'completed')).toBe(true);
    // The killed branch was trained again from the same checkpoint, on the other worker.
    const retried = trials.filter((t) => branches.some((b) => b.number === t.number));
    expect(retried.some((t) => t.attempts >= 2)).toBe(true);
    const events = await campaignEvents(h.store, done.id);
    const decisions = events.filter(
      (e): e is Extract<LoggedEvent, { type: 'inrun.decision' }> => e.type === 'inrun.decision',
    );
    expect(decisions.map((d) => d.epoch)).toEqual([400, 800]);
    const report = JSON.parse(
      readFileSync(path.join(done.reportDir!, 'report.json'), 'utf8'),
    ) as CampaignReport;
    expect(report.inRun!.curve).toHaveLength(1200);
    expect(report.inRun!.curve.map((r) => r.epoch)).toEqual(
      Array.from({ length: 1200 }, (_, i) => i + 1),
    );
    // Checkpoints live under the campaign's directory, not in Redis or job results; once the
    // result is scored, only its own (the run's end state) is kept.
    expect(readdirSync(path.join(out, done.id, 'checkpoints'))).toEqual([
      `trial-${done.best!.trial}.ckpt`,
    ]);
  });

  it('lgt run --mode dynamic: the decisions in the live log and lgt logs, the run and its cost in the summary', async () => {
    const base = ['--redis-url', h.server.url, '--out', out];
    const run = await runCli(
      ['run', 'iris', '--mode', 'dynamic', '--epochs', '6', '--decide-every', '2', ...base],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/change (accepted|rejected) \(run 0, epochs 3-4, attempt 1\/3\)/);
    expect(run.stdout).toMatch(/B #\d+ accuracy [\d.]+ vs C #\d+ [\d.]+/);
    expect(run.stdout).toMatch(/the run: /);
    expect(run.stdout).toMatch(/cost: \d+ epochs trained in all for a run of 6 \(\d+ stretches/);
    // The run starts from the default and ends with the line every campaign ends with.
    expect(run.stdout).toMatch(
      /against the default: accuracy [\d.]+ at the run's end \(#\d+\) against [\d.]+ for the default trained as one plain run of the same epochs \(#1\)/,
    );
    const id = /campaign (\S+): completed/.exec(run.stdout)![1]!;
    const logs = await runCli(['logs', id, '--redis-url', h.server.url], env);
    expect(logs.stdout).toMatch(/verdict: with .*: val accuracy/);
  });

  it('refuses flags that do not fit the mode, before creating anything', async () => {
    const base = ['--redis-url', h.server.url, '--out', out];
    const trials = await runCli(
      ['run', 'iris', '--mode', 'dynamic', '--trials', '5', ...base],
      env,
    );
    expect(trials.code).toBe(2);
    expect(trials.stderr).toMatch(/--trials does not apply to --mode dynamic/);
    const attempts = await runCli(['run', 'iris', '--attempts', '2', ...base], env);
    expect(attempts.code).toBe(2);
    expect(attempts.stderr).toMatch(/--attempts need --mode dynamic or --mode pbt/);
    const mode = await runCli(['run', 'iris', '--mode', 'sideways', ...base], env);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--mode must be one of search, dynamic, pbt/);
    expect(await h.store.listCampaigns()).toEqual([]);
  });

  it('--continue-best K --from C: one run from each of the best K trials of a search campaign', async () => {
    worker();
    const base = ['--redis-url', h.server.url, '--out', out, '--no-local-workers', '--json'];
    const search = await runCli(
      ['run', 'iris', '--trials', '4', '--epochs', '4', '--strategy', 'random', ...base],
      env,
    );
    expect(search.code).toBe(0);
    const first = JSON.parse(search.stdout.trim().split('\n').at(-1)!) as CampaignRecord;
    const ranked = (await h.store.listTrials(first.id))
      .filter((t) => t.state === 'completed')
      .sort((a, b) => b.value! - a.value! || a.number - b.number);
    const dynamic = await runCli(
      ['run', 'iris', '--mode', 'dynamic', '--epochs', '4', '--decide-every', '2'].concat([
        '--continue-best',
        '2',
        '--from',
        first.id,
        ...base,
      ]),
      env,
    );
    expect(dynamic.code).toBe(0);
    const second = JSON.parse(dynamic.stdout.trim().split('\n').at(-1)!) as CampaignRecord;
    const starts = (await h.store.listTrials(second.id)).filter(
      (t) => (t.meta as { role?: string } | undefined)?.role === 'start',
    );
    expect(starts.map((t) => t.config)).toEqual(ranked.slice(0, 2).map((t) => t.config));
  });
});
