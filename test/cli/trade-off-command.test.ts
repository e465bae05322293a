import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { runCli } from '../helpers/run-cli.ts';
import { SHARED_DATASETS } from '../helpers/paths.ts';

const TASK = './test/fixtures/two-objective.ts';
let server: RedisServerProcess;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

describe('lgt run and lgt status with a trade-off', () => {
  it('tunes two objectives under a constraint and prints the front and the pick', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-trade-off-cli-'));
    const run = await runCli([
      'run',
      '--task',
      TASK,
      '--objective',
      'f1:min',
      '--objective',
      'f2:min',
      '--constraint',
      'size<=6',
      '--strategy',
      'nsga2',
      '--trials',
      '12',
      '--redis-url',
      server.url,
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /trade-off: f1:min, f2:min; constraints size<=6 · \d+ feasible, \d+ infeasible/,
    );
    expect(run.stdout).toMatch(/front \(\d+ trials?\):\ntrial\s+f1\s+f2/);
    expect(run.stdout).toMatch(/^#\d+\s+[\d.e-]+\s+[\d.e-]+\s+pick$/m);
    expect(run.stdout).toMatch(/pick \(knee\): #\d+, /);
    expect(run.stdout).toMatch(/proposed by nsga2: NSGA-II generation 0/);
    const id = /campaign (\S+): completed/.exec(run.stdout)![1]!;
    const status = await runCli(['status', id, '--redis-url', server.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/front \(\d+ trials?\)/);
    expect(status.stdout).toMatch(/hypervolume [\d.e-]+ against \[/);
  }, 120_000);

  it('refuses bad trade-off flags before anything runs, naming the flag', async () => {
    const up = await runCli([
      'run',
      '--task',
      TASK,
      '--objective',
      'f1:up',
      '--objective',
      'f2:min',
    ]);
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(
      /--objective: objective "f1:up": the direction "up" is not max or min/,
    );
    const unknown = await runCli([
      'run',
      '--task',
      TASK,
      '--objective',
      'f3:min',
      '--objective',
      'f1:min',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /--objective #1 names f3, which two-objective does not report; it reports f1, f2, size/,
    );
    const one = await runCli(['run', '--task', TASK, '--objective', 'f1:min']);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/--objective must hold at least two objectives/);
    const gp = await runCli([
      'run',
      '--task',
      TASK,
      '--objective',
      'f1:min',
      '--objective',
      'f2:min',
      '--strategy',
      'gp',
    ]);
    expect(gp.code).toBe(2);
    expect(gp.stderr).toMatch(/--strategy gp tunes one number/);
    const pick = await runCli(['run', '--task', TASK, '--pick', 'largest f1']);
    expect(pick.code).toBe(2);
    expect(pick.stderr).toMatch(
      /--pick: pick "largest f1": the direction "largest" is not max or min/,
    );
  }, 60_000);
});

describe('lgt retrain', () => {
  it('saves a front member other than the pick, which lgt predict uses, without scoring the test split', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-retrain-'));
    const env = { LGT_DATA_DIR: SHARED_DATASETS };
    const run = await runCli(
      [
        'run',
        'iris',
        '--objective',
        'accuracy:max',
        '--objective',
        'params:min',
        '--trials',
        '5',
        '--epochs',
        '3',
        '--strategy',
        'random',
        '--redis-url',
        server.url,
        '--out',
        out,
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const campaign = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      id: string;
      best: { trial: number };
      reportDir: string;
    };
    const other = [1, 2, 3, 4, 5].find((n) => n !== campaign.best.trial)!;
    const retrain = await runCli(
      ['retrain', campaign.id, '--trial', String(other), '--redis-url', server.url],
      env,
    );
    expect(retrain.code, retrain.stderr).toBe(0);
    const dir = path.join(campaign.reportDir, 'models', `trial-${other}`);
    expect(retrain.stdout).toContain(`retrained #${other}: validation accuracy`);
    expect(retrain.stdout).toContain(`model: ${dir}`);
    expect(retrain.stdout).toContain('the test split is not scored here');
    expect(existsSync(path.join(dir, 'model.json'))).toBe(true);
    const predicted = await runCli(
      ['predict', '--model', dir, '--csv', path.join(SHARED_DATASETS, 'iris.csv'), '--json'],
      env,
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stdout.trim().split('\n')).toHaveLength(150);
    // Refused with reasons: an unknown trial, a running campaign's is checked the same way.
    const missing = await runCli(
      ['retrain', campaign.id, '--trial', '99', '--redis-url', server.url],
      env,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`campaign ${campaign.id} has no trial 99`);
  }, 180_000);
});
