/**
 * Which learning rates train at all, per optimizer? On small CSV data (as `lgt run --csv` reads
 * it), every optimizer at every learning rate of a log grid, the rest of the configuration at its
 * default (and at a large batch, where an epoch is few steps), trained as a campaign's trials
 * are (training split, scored on validation, the campaign's epoch count). Prints, per optimizer
 * and rate, how many runs were far worse than the default configuration with the same seed (see
 * small-data.ts): the ranges where a search wastes no trial.
 *
 *   npx tsx bench/learning-rates.ts --sets iris.csv:Species,winequality-red.csv:quality:regression \
 *     --batches default,256 --seeds 2 --epochs 10 --out /tmp/lr
 *
 * Files are looked for in LGT_DATA_DIR (default ../shared/datasets). The test split is not read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Metrics } from '../src/trainer/metrics.ts';
import { loadTask } from '../src/catalog/task-registry.ts';
import { spaceWithEpochs, type AnyModelTask, type TaskKind } from '../src/task-kinds/task.ts';
import { TfjsTrainer } from '../src/trainer/tfjs-trainer.ts';
import { farWorse, subsample } from './small-data.ts';

const { values: args } = parseArgs({
  options: {
    sets: {
      type: 'string',
      default:
        'iris.csv:Species,winequality-red.csv:quality:regression,california-housing.csv@1000:median_house_value:regression,water-potability.csv:Potability',
    },
    optimizers: { type: 'string', default: 'sgd,momentum,adam,rmsprop,adagrad' },
    rates: { type: 'string', default: '1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,0.1,0.3,1' },
    batches: { type: 'string', default: 'default,256' },
    seeds: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: '/tmp/lgt-learning-rates' },
  },
});
const dataDir =
  process.env['LGT_DATA_DIR'] ?? path.resolve(import.meta.dirname, '../../shared/datasets');
mkdirSync(args.out, { recursive: true });
const epochs = Number(args.epochs);
const rates = args.rates.split(',').map(Number);
const optimizers = args.optimizers.split(',');

interface Row {
  set: string;
  optimizer: string;
  learningRate: number;
  batch: string;
  seed: number;
  value: number | null;
  byDefault: number;
  farWorse: boolean;
}
const rows: Row[] = [];
const trainer = new TfjsTrainer();

for (const spec of args.sets.split(',')) {
  const [named, target, problem] = spec.split(':') as [string, string, TaskKind | undefined];
  const file = named.includes('@') ? subsample(dataDir, named, args.out) : named;
  const task = (await loadTask(
    {
      kind: 'csv',
      file: path.isAbsolute(file) ? file : path.join(dataDir, file),
      target,
      ...(problem ? { problem } : {}),
    },
    { dataDirs: [dataDir, path.resolve(args.out)] },
  )) as AnyModelTask;
  const data = await task.load({ splitSeed: 0 });
  const space = spaceWithEpochs(task, epochs);
  const defaults = space.defaults();
  const metric = task.metric.name as keyof Metrics;
  const score = async (config: Record<string, unknown>, seed: number) => {
    const result = await trainer.train({ task, data, config: space.parse(config), seed, epochs });
    const v = result.validation[metric];
    return result.status === 'completed' && typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  for (let seed = 0; seed < Number(args.seeds); seed++) {
    const byDefault = (await score(defaults, seed))!;
    for (const batch of args.batches.split(',')) {
      for (const optimizer of optimizers) {
        for (const learningRate of rates) {
          const config = {
            ...defaults,
            optimizer,
            learningRate,
            ...(batch === 'default' ? {} : { batchSize: Number(batch) }),
          };
          const value = await score(config, seed);
          const far = value === null || farWorse(value, byDefault, task.metric);
          rows.push({
            set: path.basename(file, '.csv'),
            optimizer,
            learningRate,
            batch,
            seed,
            value,
            byDefault,
            farWorse: far,
          });
        }
        process.stderr.write(
          `${path.basename(file)} seed ${seed} batch ${batch} ${optimizer} done\n`,
        );
        writeFileSync(path.join(args.out, 'learning-rates.json'), JSON.stringify(rows, null, 2));
      }
    }
  }
}

// Per optimizer and batch: far-worse runs out of all, per learning rate (over sets and seeds).
const lines = [
  `| optimizer | batch | ${rates.map(String).join(' | ')} |`,
  `| --- | --- | ${rates.map(() => '---').join(' | ')} |`,
];
for (const batch of args.batches.split(','))
  for (const optimizer of optimizers) {
    const cells = rates.map((lr) => {
      const here = rows.filter(
        (r) => r.optimizer === optimizer && r.batch === batch && r.learningRate === lr,
      );
      return `${here.filter((r) => r.farWorse).length}/${here.length}`;
    });
    lines.push(`| ${optimizer} | ${batch} | ${cells.join(' | ')} |`);
  }
const text = `Runs far worse than the default configuration (same seed), over ${args.sets}, ${args.seeds} seeds, ${epochs} epochs:\n\n${lines.join('\n')}\n`;
writeFileSync(path.join(args.out, 'learning-rates.md'), text);
console.log(text);
