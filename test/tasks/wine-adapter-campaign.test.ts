import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/queue/redis-server-process.ts';
import { SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useWorkerProcesses } from '../helpers/worker-process-harness.ts';

/**
 * The wine-adapter task as a person runs it: `lgt run` with its own worker processes (each
 * trains the frozen red-wine model once and adapts it trial after trial), real Redis, the real
 * wine files. The frozen model's queries are in every trial's results; the test rows are scored
 * on the final run only.
 */
const h = useWorkerProcesses(() => startRedisServer());

describe('wine-adapter campaign', () => {
  it('tunes the adapter with TPE through the queue: each trial counts its queries, the best beats the frozen model, the test rows are scored once', async () => {
    sharedDataset('winequality-white.csv');
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-wine-adapter-'));
    const run = await runCli(
      [
        'run',
        '--task',
        'wine-adapter',
        '--strategy',
        'tpe',
        '--trials',
        '4',
        '--parallel',
        '2',
        '--seed',
        '2',
        '--redis-url',
        h.server.url,
        '--out',
        out,
      ],
      { LGT_DATA_DIR: SHARED_DATASETS },
    );
    expect(run.stderr).not.toMatch(/failed:/);
    expect(run.code, run.stderr).toBe(0);
    const id = /campaign (\S+): completed/.exec(run.stdout)?.[1];
    expect(id, run.stdout).toBeDefined();
    const trials = await h.store.listTrials(id!);
    expect(trials.map((t) => t.state)).toEqual(Array(4).fill('completed'));
    for (const t of trials) {
      const v = t.validation!;
      // Two queries (training and validation rows) plus the offset's, when there is one.
      const offset = t.config['inputOffset'] === true ? v['offset_queries']! : 0;
      expect(v['queries'], JSON.stringify(v)).toBe(2 + offset);
      if (offset > 0) expect(offset).toBeGreaterThan(t.config['zoSteps'] as number);
      expect(v).not.toHaveProperty('test_mae');
    }
    // Trial 1 is the space's default (no offset): its frozen_mae is the frozen model as it is.
    const frozen = trials.find((t) => t.number === 1)!.validation!['frozen_mae']!;
    const report = JSON.parse(readFileSync(path.join(out, id!, 'report.json'), 'utf8'));
    expect(report.best.validation.mae).toBeLessThan(frozen);
    expect(report.best.final.test.mae).toBeGreaterThan(0);
    expect(report.best.final.reproduced).toBe(true);
    expect(run.stdout).toMatch(
      /best configuration \(#\d\) retrained: validation mae [\d.]+, test mae/,
    );
  }, 240_000);
});
