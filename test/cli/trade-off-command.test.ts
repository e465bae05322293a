import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { runCli } from '../helpers/run-cli.ts';

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
