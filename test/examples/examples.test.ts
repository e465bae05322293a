import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { REPO_ROOT, SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';
import { runCli, runNode } from '../helpers/run-cli.ts';

/** The typed examples under examples/ run as a person would run them (tsx, importing 'lgt'). */
let redis: RedisServerProcess;

beforeAll(async () => {
  sharedDataset('iris.csv');
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

/** An example as a person runs it: `npx tsx examples/<file>`. */
function runExample(file: string, env: Record<string, string>) {
  return runNode(
    [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO_ROOT, file)],
    env,
  );
}

describe('examples', () => {
  it('examples/start-campaign.ts starts a campaign in-process, follows it and prints the best', async () => {
    const runs = mkdtempSync(path.join(os.tmpdir(), 'lgt-example-runs-'));
    const result = await runExample('examples/start-campaign.ts', {
      REDIS_URL: redis.url,
      LGT_DATA_DIR: SHARED_DATASETS,
      LGT_RUNS_DIR: runs,
    });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const trialLines = result.stdout.split('\n').filter((l) => /^trial \d+: [\d.]+$/.test(l));
    expect(trialLines).toHaveLength(4);
    expect(result.stdout).toMatch(/^best: trial \d+ \{.*"learningRate"/m);
    // The report and the best model were written where LGT_RUNS_DIR says.
    const [dir] = readdirSync(runs);
    expect(existsSync(path.join(runs, dir!, 'report.json'))).toBe(true);
  }, 180_000);

  it('examples/polynomial-objective.ts: an objective of your own, run alone and tuned with pruning', async () => {
    const alone = await runCli([
      'trial',
      '--task',
      './examples/polynomial-objective.ts',
      '--config',
      '{"degree": 5, "learningRate": 0.3, "epochs": 30}',
      '--json',
    ]);
    expect(alone.code).toBe(0);
    const result = JSON.parse(alone.stdout);
    expect(result.status).toBe('completed');
    expect(result.curve).toHaveLength(30);
    // A degree-5 fit of sin(3x) beats the untuned straight line's error by far.
    expect(result.metric.value).toBeLessThan(0.05);

    const runs = mkdtempSync(path.join(os.tmpdir(), 'lgt-objective-runs-'));
    const tuned = await runCli([
      'run',
      '--task',
      './examples/polynomial-objective.ts',
      '--strategy',
      'tpe',
      '--trials',
      '16',
      '--pruner',
      'median',
      '--redis-url',
      redis.url,
      '--out',
      runs,
      '--json',
    ]);
    expect(tuned.code).toBe(0);
    const events = tuned.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; value?: number });
    expect(events.filter((e) => e.type === 'trial.finished').length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'trial.pruned')).toBe(true);
    const [dir] = readdirSync(runs);
    const report = JSON.parse(readFileSync(path.join(runs, dir!, 'report.json'), 'utf8'));
    // The tuned fit is far better than the untuned baseline (degree 1, a tiny learning rate).
    expect(report.best.againstDefault.bestValue).toBeLessThan(
      report.best.againstDefault.defaultValue / 2,
    );
  }, 180_000);
});
