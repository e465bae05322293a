import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import type { CampaignReport } from '../../src/contracts/campaign-report.ts';
import { CorruptDataFileError, MissingDataFileError } from '../../src/data/data-files.ts';
import {
  LCBENCH_INSTANCES,
  LcbenchSurrogate,
  lcbenchTargetStatistics,
  type LcbenchConfig,
} from '../../src/surrogates/lcbench-surrogate.ts';
import { loadTask } from '../../src/catalog/task-registry.ts';
import { findLcbenchTask, lcbenchTask } from '../../tasks/lcbench.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import { driveInProcess } from '../helpers/in-process-campaign.ts';
import { requireFile, SHARED_BENCHMARKS } from '../helpers/paths.ts';

const LCBENCH_DIR = path.join(SHARED_BENCHMARKS, 'yahpo/lcbench');
const file = (name: string) =>
  requireFile(
    path.join(LCBENCH_DIR, name),
    `YAHPO Gym's LCBench files live in ${LCBENCH_DIR} (see ../shared/benchmarks/README.md)`,
  );

/** The configuration the shared README gives a known answer for (data set 3945, epoch 52). */
const KNOWN: LcbenchConfig = {
  batch_size: 91,
  learning_rate: 0.00316,
  momentum: 0.5,
  weight_decay: 0.05,
  num_layers: 3,
  max_units: 256,
  max_dropout: 0.5,
};

interface ConfigSpaceParam {
  name: string;
  type: string;
  log?: boolean;
  lower?: number;
  upper?: number;
  default: number | string;
  choices?: string[];
}

describe('bench:lcbench tasks', () => {
  it("have config_space.json's space: names, integer or not, bounds, log scales, defaults; epoch is the fidelity", () => {
    const spec = JSON.parse(readFileSync(file('config_space.json'), 'utf8')) as {
      hyperparameters: ConfigSpaceParam[];
    };
    const task = lcbenchTask('3945');
    const searched = spec.hyperparameters.filter(
      (p) => p.name !== 'OpenML_task_id' && p.name !== 'epoch',
    );
    expect(task.space.params.map((p) => p.name).sort()).toEqual(searched.map((p) => p.name).sort());
    for (const p of searched) {
      const mine = task.space.param(p.name)!;
      expect(mine.kind, p.name).toBe(p.type === 'uniform_int' ? 'int' : 'float');
      if (mine.kind === 'choice') throw new Error(`${p.name} is a choice`);
      expect(mine.log, p.name).toBe(p.log);
      expect(mine.low, p.name).toBeCloseTo(p.lower!, 12);
      expect(mine.high, p.name).toBeCloseTo(p.upper!, 12);
      expect(mine.default, p.name).toBeCloseTo(p.default as number, 9);
    }
    const epoch = spec.hyperparameters.find((p) => p.name === 'epoch')!;
    expect(task.epochs).toBe(epoch.upper);
    // The instances are the file's, each with its code in encoding.json.
    const instances = spec.hyperparameters.find((p) => p.name === 'OpenML_task_id')!.choices!;
    expect(Object.keys(LCBENCH_INSTANCES).sort()).toEqual([...instances].sort());
    const codes = (
      JSON.parse(readFileSync(file('encoding.json'), 'utf8')) as {
        OpenML_task_id: Record<string, number>;
      }
    ).OpenML_task_id;
    for (const id of instances) expect(LCBENCH_INSTANCES[id], id).toBe(codes[id]);
  });

  it('answer the known configuration as the surrogate does (3945, epoch 52: val_accuracy 93.34, 167.5 s)', async () => {
    const surrogate = await LcbenchSurrogate.load([SHARED_BENCHMARKS]);
    const [at52] = await surrogate.evaluate('3945', KNOWN, [52]);
    expect(at52!.val_accuracy).toBeCloseTo(93.34, 1);
    expect(at52!.time).toBeCloseTo(167.5, 0);
    // A whole curve is one batch, and its last epoch is the same answer.
    const curve = await surrogate.curve('3945', KNOWN, 52);
    expect(curve).toHaveLength(52);
    expect(curve[51]!.val_accuracy).toBeCloseTo(at52!.val_accuracy, 3);
    // Simulated time grows with the epochs; one session serves every caller in this process.
    expect(curve[51]!.time).toBeGreaterThan(curve[0]!.time);
    expect(await LcbenchSurrogate.load([SHARED_BENCHMARKS])).toBe(surrogate);
  });

  it('batch evaluations asked for together, with the answers each would get alone', async () => {
    const surrogate = await LcbenchSurrogate.load([SHARED_BENCHMARKS]);
    const configs = [0.001, 0.01, 0.05].map((lr) => ({ ...KNOWN, learning_rate: lr }));
    const together = await Promise.all(configs.map((c) => surrogate.evaluate('189873', c, [10])));
    for (const [i, c] of configs.entries()) {
      const [alone] = await surrogate.evaluate('189873', c, [10]);
      expect(together[i]![0]!.val_accuracy).toBeCloseTo(alone!.val_accuracy, 3);
    }
    // Different learning rates, different answers: the configuration reaches the model.
    expect(new Set(together.map((r) => r[0]!.val_accuracy.toFixed(3))).size).toBe(3);
  });

  it('a task reports its learning curve epoch by epoch, and its test scores only on the final run', async () => {
    const task = findLcbenchTask('bench:lcbench/3945')!;
    const reports: { epoch: number; metrics: Record<string, number> }[] = [];
    const trial = (final: boolean, epochs?: number) => ({
      number: 1,
      seed: 0,
      signal: new AbortController().signal,
      final,
      dataDirs: [SHARED_BENCHMARKS],
      ...(epochs ? { epochs } : {}),
      report: async (epoch: number, metrics: Record<string, number>) => {
        reports.push({ epoch, metrics });
      },
      shouldStop: () => false,
    });
    const searched = (await task.objective(KNOWN, trial(false, 52))) as Record<string, number>;
    expect(reports.map((r) => r.epoch)).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
    expect(searched['val_accuracy']).toBeCloseTo(93.34, 1);
    expect(Object.keys(searched).filter((k) => k.startsWith('test_'))).toEqual([]);
    reports.length = 0;
    const final = (await task.objective(KNOWN, trial(true, 10))) as Record<string, number>;
    expect(reports).toHaveLength(10);
    expect(final['test_balanced_accuracy']).toBeGreaterThan(0);
    expect(final['simulated_seconds']).toBeCloseTo(reports[9]!.metrics['simulated_seconds']!, 6);
  });

  it('name their instance and metric; a wrong one is a clear error listing the choices', async () => {
    expect(findLcbenchTask('bench:lcbench/189906/val_cross_entropy')!.metric).toEqual({
      name: 'val_cross_entropy',
      direction: 'minimize',
    });
    expect(findLcbenchTask('bench:branin')).toBeUndefined();
    await expect(loadTask({ kind: 'builtin', name: 'bench:lcbench/123' })).rejects.toThrow(
      /no such LCBench task; name one of the OpenML task ids 3945, 7593/,
    );
    await expect(
      loadTask({ kind: 'builtin', name: 'bench:lcbench/3945/accuracy' }),
    ).rejects.toThrow(/tune val_accuracy, val_balanced_accuracy, val_cross_entropy/);
  });

  it('have the normalized-regret reference of every instance', async () => {
    const stats = await lcbenchTargetStatistics([SHARED_BENCHMARKS]);
    expect(stats.size).toBe(34);
    const r = stats.get('3945')!['val_accuracy']!;
    expect(r.min).toBeLessThan(r.max);
    expect(r.max).toBeLessThanOrEqual(100);
  });
});

describe('bench:lcbench files', () => {
  let dir: string;
  const offline = process.env['LGT_OFFLINE'];
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-lcbench-files-'));
    // No download is tried: these machines have no internet, and the test must not depend on it.
    process.env['LGT_OFFLINE'] = '1';
  });
  afterAll(() => {
    if (offline === undefined) delete process.env['LGT_OFFLINE'];
    else process.env['LGT_OFFLINE'] = offline;
  });

  it('a missing model says which file, where it was looked for, and where to put it', async () => {
    const error = await LcbenchSurrogate.load([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDataFileError);
    const message = (error as Error).message;
    expect(message).toContain('yahpo/lcbench/model.onnx');
    expect(message).toContain(dir);
    expect(message).toContain(`Put yahpo/lcbench/model.onnx in one of these directories`);
    expect(message).toContain('yahpo_data/v1.0.2');
  });

  it('a damaged model (one byte changed) is refused by its checksum, with what to do', async () => {
    const damaged = path.join(dir, 'yahpo/lcbench/model.onnx');
    mkdirSync(path.dirname(damaged), { recursive: true });
    copyFileSync(file('model.onnx'), damaged);
    const bytes = readFileSync(damaged);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const error = await LcbenchSurrogate.load([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataFileError);
    expect((error as Error).message).toMatch(
      /model\.onnx .* has SHA-256 [0-9a-f]{64}, not the expected b45c0d85.*damaged or another version/s,
    );
    expect((error as Error).message).toContain('Delete it');
  });
});

describe('a bench:lcbench campaign through the real queue', () => {
  const db = useCampaignRedis();

  it('tunes with ASHA on the learning curves: the default runs in full, pruned trials stop early, simulated time is summed', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-lcbench-campaign-'));
    const prepared = await prepareCampaign({
      task: { kind: 'builtin', name: 'bench:lcbench/189873' },
      strategy: 'tpe',
      maxTrials: 16,
      parallel: 2,
      pruner: 'asha',
      outputDir: out,
    });
    const campaign = await createCampaign(db.store, db.queues, prepared);
    const finished = await driveInProcess(db, campaign.id, out, { concurrency: 2 });
    expect(finished.status, finished.error).toBe('completed');
    const report = JSON.parse(
      readFileSync(path.join(finished.reportDir!, 'report.json'), 'utf8'),
    ) as CampaignReport;
    const byNumber = new Map(report.trials.map((t) => [t.number, t]));
    const control = byNumber.get(1)!;
    expect(control.source).toBe('default');
    expect(control.state).toBe('completed');
    expect(control.epochsRun).toBe(52);
    const pruned = report.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.epochsRun!).toBeLessThan(52);
    // The campaign's simulated time is its trials' own, each as far as it ran.
    const sum = report.trials.reduce((s, t) => s + (t.validation?.['simulated_seconds'] ?? 0), 0);
    expect(report.simulatedSeconds).toBeCloseTo(sum, 3);
    expect(sum).toBeGreaterThan(0);
    // The pick is one of the completed trials, and the final run scored its test side.
    expect(byNumber.get(finished.best!.trial)!.state).toBe('completed');
    expect(report.best!.final!.test!['test_balanced_accuracy']).toBeGreaterThan(0);
    expect(finished.best!.value).toBeGreaterThanOrEqual(control.value!);
  }, 60_000);
});
