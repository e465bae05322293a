/**
 * YAHPO Gym's LCBench as tasks (`bench:lcbench/<OpenML task id>`): tuning an MLP trained with
 * SGD on one of 34 OpenML data sets, each trial answered by the surrogate in about a
 * millisecond, with its learning curve over up to 52 epochs. The field measures its optimizers
 * on these problems (YAHPO-SO includes 167168, 189873 and 189906); lgt's benchmark and Optuna's
 * run on them side by side (bench/tuning.ts, bench/optuna_side_by_side.py).
 */
import {
  LCBENCH_EPOCHS,
  LCBENCH_INSTANCES,
  LcbenchSurrogate,
  type LcbenchConfig,
  type LcbenchOutput,
} from '../src/surrogates/lcbench-surrogate.ts';
import { float, int } from '../src/search-space/param.ts';
import { defineObjective, type ObjectiveTask } from '../src/task-kinds/objective.ts';

/** The family's name: a task is `bench:lcbench/<id>`, or `bench:lcbench/<id>/<metric>`. */
export const LCBENCH_FAMILY = 'bench:lcbench';

/** The metrics a task can tune, and which way is better. */
const METRICS = {
  val_accuracy: 'maximize',
  val_balanced_accuracy: 'maximize',
  val_cross_entropy: 'minimize',
} as const;
type LcbenchMetric = keyof typeof METRICS;

/** The search space of config_space.json (its `epoch` is the fidelity: the curve's length). */
export const lcbenchSpace = {
  batch_size: int(16, 512, {
    log: true,
    default: 91,
    area: 'training',
    description: 'samples per SGD step',
  }),
  learning_rate: float(1e-4, 1e-1, {
    log: true,
    default: 0.0031622777,
    area: 'training',
    description: 'SGD learning rate (cosine annealing in LCBench)',
  }),
  momentum: float(0.1, 0.99, {
    default: 0.545,
    area: 'training',
    description: 'SGD momentum',
  }),
  weight_decay: float(1e-5, 0.1, {
    default: 0.050005,
    area: 'regularization',
    description: 'weight decay',
  }),
  num_layers: int(1, 5, {
    default: 3,
    area: 'architecture',
    description: 'hidden layers of the funnel-shaped MLP',
  }),
  max_units: int(64, 1024, {
    log: true,
    default: 256,
    area: 'architecture',
    description: 'units of the first hidden layer (later layers shrink towards the output)',
  }),
  max_dropout: float(0, 1, {
    default: 0.5,
    area: 'regularization',
    description: 'dropout of the last hidden layer (earlier layers get less)',
  }),
};

function metricsOf(out: LcbenchOutput): Record<string, number> {
  return {
    val_accuracy: out.val_accuracy,
    val_balanced_accuracy: out.val_balanced_accuracy,
    val_cross_entropy: out.val_cross_entropy,
    // What training this far would have taken on LCBench's machines, by the surrogate.
    simulated_seconds: out.time,
  };
}

/** The task of one instance and metric. */
export function lcbenchTask(
  instance: string,
  metric: LcbenchMetric = 'val_accuracy',
): ObjectiveTask {
  if (LCBENCH_INSTANCES[instance] === undefined)
    throw new Error(`${instance} is not an LCBench instance`);
  const suffix = metric === 'val_accuracy' ? '' : `/${metric}`;
  return defineObjective<LcbenchConfig>({
    name: `${LCBENCH_FAMILY}/${instance}${suffix}`,
    title: `LCBench, OpenML task ${instance} (YAHPO Gym surrogate)`,
    description: `Tune an MLP trained with SGD (cosine-annealed learning rate) on OpenML task ${instance}, ${METRICS[metric]} ${metric} after up to ${LCBENCH_EPOCHS} epochs. Each trial is answered by YAHPO Gym's surrogate of LCBench's training logs in about a millisecond and reports its learning curve epoch by epoch (val_accuracy in percent, val_balanced_accuracy in 0..1, val_cross_entropy, and simulated_seconds: what training would have taken). Batch size, learning rate and momentum shape the optimisation; layers, units and dropout the model; weight decay regularizes.`,
    metric: { name: metric, direction: METRICS[metric] },
    dataSummary: `YAHPO Gym surrogate of LCBench (OpenML task ${instance}, ${LCBENCH_EPOCHS} epochs)`,
    space: lcbenchSpace,
    epochs: LCBENCH_EPOCHS,
    // The surrogate answers a configuration the same way every time.
    deterministic: true,
    reports: [...Object.keys(METRICS), 'simulated_seconds'],
    objective: async (config, trial) => {
      const surrogate = await LcbenchSurrogate.load(trial.dataDirs);
      const epochs = Math.max(1, Math.min(trial.epochs ?? LCBENCH_EPOCHS, LCBENCH_EPOCHS));
      const curve = await surrogate.curve(instance, config, epochs);
      let last: Record<string, number> = {};
      for (let e = 1; e <= epochs; e++) {
        last = metricsOf(curve[e - 1]!);
        await trial.report(e, last);
        // Pruned: the trial ends here, as a real run would, having spent this epoch's time.
        if (trial.shouldStop()) return last;
      }
      // The test targets, for the campaign's final report only.
      if (!trial.final) return last;
      const end = curve[epochs - 1]!;
      return {
        ...last,
        test_balanced_accuracy: end.test_balanced_accuracy,
        test_cross_entropy: end.test_cross_entropy,
      };
    },
  });
}

/** The family's tasks, one per instance, tuning val_accuracy: what `lgt tasks bench:lcbench` lists. */
export function lcbenchTasks(): ObjectiveTask[] {
  return Object.keys(LCBENCH_INSTANCES).map((id) => lcbenchTask(id));
}

const made = new Map<string, ObjectiveTask>();

/**
 * The task a name such as `bench:lcbench/3945` or `bench:lcbench/3945/val_cross_entropy` means;
 * undefined for a name outside the family; an error naming the choices for a wrong instance or
 * metric.
 */
export function findLcbenchTask(name: string): ObjectiveTask | undefined {
  if (!name.startsWith(`${LCBENCH_FAMILY}/`)) return undefined;
  const [instance = '', metric = 'val_accuracy', ...rest] = name
    .slice(LCBENCH_FAMILY.length + 1)
    .split('/');
  if (LCBENCH_INSTANCES[instance] === undefined || rest.length > 0)
    throw new Error(
      `${name}: no such LCBench task; name one of the OpenML task ids ${Object.keys(LCBENCH_INSTANCES).join(', ')} (e.g. ${LCBENCH_FAMILY}/3945), optionally with a metric (${Object.keys(METRICS).join(', ')}) after another /`,
    );
  if (!(metric in METRICS))
    throw new Error(
      `${name}: LCBench tasks tune ${Object.keys(METRICS).join(', ')}; ${metric} is none of them`,
    );
  let task = made.get(name);
  if (!task) {
    task = lcbenchTask(instance, metric as LcbenchMetric);
    made.set(name, task);
  }
  return task;
}
