import type { ParamDefs } from '../search-space/search-space.ts';
import { SearchSpace, type Config } from '../search-space/search-space.ts';
import { DIRECTIONS, type Direction } from '../maths/direction.ts';

/** Metrics an objective reports: its metric by name, and anything else worth keeping. */
export type ObjectiveMetrics = Record<string, number>;

/**
 * What an objective function gets besides its configuration: where to report an epoch's metrics
 * (the trial's learning curve, which pruning reads), whether to stop, and the trial's seed.
 */
export interface ObjectiveTrial {
  /** The trial's number in its campaign (0 when run alone, as `lgt trial` does). */
  readonly number: number;
  /** Seed for the objective's own randomness (weights, shuffling, noise). */
  readonly seed: number;
  /** Aborted when the trial is cancelled, times out or its worker shuts down. */
  readonly signal: AbortSignal;
  /**
   * True on the campaign's final run of its best configuration: the one run that may score a
   * test split (report or return it under testMetricName(metric): val_loss -> test_loss,
   * accuracy -> test_accuracy); every tuning decision uses the metric itself.
   */
  readonly final: boolean;
  /**
   * Where the objective may read data files: the campaign's data directories inside the ones
   * this process allows, then LGT_DATA_DIR. Empty: the defaults (see defaultDataDirs).
   */
  readonly dataDirs: readonly string[];
  /**
   * The epochs the trial is to report: the campaign's --epochs, else the configuration's
   * `epochs`, else the objective's own `epochs`; undefined when none says.
   */
  readonly epochs?: number;
  /**
   * One epoch's metrics (epochs count from 1 and must increase). They are stored as the trial's
   * curve and may prune it: await it, then ask shouldStop().
   */
  report(epoch: number, metrics: ObjectiveMetrics): Promise<void>;
  /** True once the trial was pruned, cancelled or ran out of time: return soon after. */
  shouldStop(): boolean;
}

/**
 * What an objective returns: its metric as a number, or metrics by name, or nothing (the last
 * reported metrics are its result).
 */
export type ObjectiveOutcome = number | ObjectiveMetrics | void | undefined;

/**
 * A task that is a function of the configuration: the user's own training code, a command in any
 * language, or a benchmark function. The campaign, strategies, agents and pruners treat it as a
 * built-in task; lgt builds and trains no model for it.
 */
export interface ObjectiveTask<C extends Config = Config> {
  kind: 'objective';
  name: string;
  title: string;
  /** One paragraph an LLM (or a person) can read: what is tuned and what matters. */
  description: string;
  metric: { name: string; direction: Direction };
  space: SearchSpace;
  baseline: C;
  /** What runs, in a few words (for `lgt tasks` and reports). */
  dataSummary: string;
  /** The best value the metric can take, when it is known (benchmark functions): for regret. */
  optimum?: number;
  notes?: string[];
  /** The objective computes with TF.js: the trial selects a backend before it runs. */
  tensorflow?: boolean;
  /**
   * The epochs a trial reports when neither the campaign nor the configuration says (its
   * learning curve's length), so pruners know where a curve ends.
   */
  epochs?: number;
  /** The same configuration always gives the same result (no noise): model-based strategies may interpolate. */
  deterministic?: boolean;
  /**
   * Every metric a trial reports besides `metric`, when known: a campaign's objectives and
   * constraints are checked against them before anything runs. Unknown: checked on the results.
   */
  reports?: readonly string[];
  objective(config: C, trial: ObjectiveTrial): Promise<ObjectiveOutcome>;
}

export interface ObjectiveDefinition<C extends Config = Config> {
  name: string;
  title?: string;
  description: string;
  /** A SearchSpace, or its dimensions made with float(), int(), choice() and flag(). */
  space: SearchSpace | ParamDefs;
  /** The metric the objective reports, e.g. 'val_loss', and whether lower or higher is better. */
  metric: { name: string; direction: Direction };
  /** The untuned starting configuration (default: every dimension's default). */
  baseline?: C;
  optimum?: number;
  /** What it runs on, in a few words (lgt tasks); default "an objective function of the configuration". */
  dataSummary?: string;
  /** The objective computes with TF.js (lgt selects the backend first: wasm, or native). */
  tensorflow?: boolean;
  /** The epochs a trial reports unless the campaign says (see ObjectiveTask.epochs). */
  epochs?: number;
  /** The objective has no noise (see ObjectiveTask.deterministic). */
  deterministic?: boolean;
  /** The other metrics it reports (see ObjectiveTask.reports). */
  reports?: readonly string[];
  objective: (config: C, trial: ObjectiveTrial) => Promise<ObjectiveOutcome>;
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,49}$/;

/**
 * Makes a task of an objective function: `export default defineObjective({...})` in a module run
 * with `lgt run --task ./my-objective.ts`. Mistakes in the definition are thrown here, by name.
 */
export function defineObjective<C extends Config = Config>(
  definition: ObjectiveDefinition<C>,
): ObjectiveTask<C> {
  const problems: string[] = [];
  if (typeof definition.name !== 'string' || definition.name.trim() === '')
    problems.push('name must be a non-empty string');
  if (typeof definition.description !== 'string')
    problems.push('description must be a string (what is tuned, for the agents)');
  if (!definition.metric || !METRIC_NAME.test(definition.metric.name ?? ''))
    problems.push(
      'metric.name must be a name such as "val_loss" (letters, digits, _ . -; at most 50)',
    );
  if (definition.metric && !(DIRECTIONS as readonly string[]).includes(definition.metric.direction))
    problems.push('metric.direction must be "maximize" or "minimize"');
  if (typeof definition.objective !== 'function')
    problems.push('objective must be an async function (config, trial) => metrics');
  if (
    definition.epochs !== undefined &&
    (!Number.isInteger(definition.epochs) || definition.epochs < 1)
  )
    problems.push('epochs must be a whole number from 1 (the epochs a trial reports)');
  if (
    definition.reports !== undefined &&
    (!Array.isArray(definition.reports) ||
      !definition.reports.every((m) => typeof m === 'string' && METRIC_NAME.test(m)))
  )
    problems.push('reports must be a list of metric names');
  if (!definition.space || typeof definition.space !== 'object')
    problems.push('space must be a SearchSpace or a record of float(), int(), choice()');
  if (problems.length > 0)
    throw new Error(`defineObjective(${definition.name ?? ''}): ${problems.join('; ')}`);
  const space =
    definition.space instanceof SearchSpace
      ? definition.space
      : new SearchSpace(definition.space as ParamDefs);
  const baseline = (definition.baseline ? space.parse(definition.baseline) : space.defaults()) as C;
  return {
    kind: 'objective',
    name: definition.name,
    title: definition.title ?? definition.name,
    description: definition.description,
    metric: { name: definition.metric.name, direction: definition.metric.direction },
    space,
    baseline,
    dataSummary: definition.dataSummary ?? 'an objective function of the configuration',
    ...(definition.optimum !== undefined ? { optimum: definition.optimum } : {}),
    ...(definition.tensorflow ? { tensorflow: true } : {}),
    ...(definition.epochs !== undefined ? { epochs: definition.epochs } : {}),
    ...(definition.deterministic ? { deterministic: true } : {}),
    ...(definition.reports ? { reports: [...definition.reports] } : {}),
    objective: definition.objective,
  };
}

/** Whether a task is an objective (run as a function) rather than a model lgt trains. */
export function isObjectiveTask<T extends { kind: string }>(
  task: T,
): task is Extract<T, { kind: 'objective' }> {
  return task.kind === 'objective';
}

/** Where an objective puts its test score on the final run: val_x -> test_x, x -> test_x. */
export function testMetricName(metric: string): string {
  return `test_${metric.startsWith('val_') ? metric.slice(4) : metric}`;
}
