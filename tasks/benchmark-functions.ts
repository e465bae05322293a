/**
 * Benchmark objectives: functions with a known optimum and no training, so strategies can be
 * compared in seconds (`lgt run bench:hartmann6 --strategy tpe --trials 100`) and judged by
 * their regret. Each reports `value` (minimized); the noisy one also reports `true_value`, the
 * value without noise, which benchmarks use to score the configuration a strategy picked.
 */
import { Rng } from '../src/random/rng.ts';
import { choice, float, int } from '../src/search-space/param.ts';
import type { ParamDefs } from '../src/search-space/search-space.ts';
import { defineObjective, type ObjectiveTask } from '../src/task-kinds/objective.ts';

const METRIC = { name: 'value', direction: 'minimize' } as const;
const SUMMARY = 'a benchmark function with a known optimum (no data, no training)';

export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}
export const BRANIN_OPTIMUM = 0.397887357729739;

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (x[j]! - H6_P[i]![j]!) ** 2;
    sum += H6_ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}
export const HARTMANN6_OPTIMUM = -3.32236801141551;
export const HARTMANN6_ARGMIN = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];

export function rosenbrock(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < x.length; i++)
    sum += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return sum;
}

function unitDims(names: string[], description: (i: number) => string): ParamDefs {
  return Object.fromEntries(
    names.map((name, i) => [
      name,
      float(0, 1, { default: 0.5, area: 'training', description: description(i) }),
    ]),
  );
}

const H6_NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
const numbers = (config: Record<string, unknown>, names: string[]) =>
  names.map((n) => config[n] as number);

export const braninObjective = defineObjective({
  deterministic: true,
  name: 'bench:branin',
  title: 'Branin function (2-D, three global minima)',
  description:
    'Minimize the Branin function of x1 in [-5, 10] and x2 in [0, 15]: a smooth 2-D surface with three global minima of 0.397887 (at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475)). No training: one evaluation per trial.',
  metric: METRIC,
  dataSummary: SUMMARY,
  optimum: BRANIN_OPTIMUM,
  space: {
    x1: float(-5, 10, { default: 2.5, area: 'training', description: 'first coordinate' }),
    x2: float(0, 15, { default: 7.5, area: 'training', description: 'second coordinate' }),
  },
  objective: async (config) => ({ value: branin(config['x1'] as number, config['x2'] as number) }),
});

export const hartmann6Objective = defineObjective({
  deterministic: true,
  name: 'bench:hartmann6',
  title: 'Hartmann 6-D function',
  description:
    'Minimize the Hartmann function of six coordinates x1..x6 in [0, 1]: a sum of four Gaussian wells, with local minima and one global minimum of -3.32237 near (0.20, 0.15, 0.48, 0.28, 0.31, 0.66). No training: one evaluation per trial.',
  metric: METRIC,
  dataSummary: SUMMARY,
  optimum: HARTMANN6_OPTIMUM,
  space: unitDims(H6_NAMES, (i) => `coordinate ${i + 1} of 6`),
  objective: async (config) => ({ value: hartmann6(numbers(config, H6_NAMES)) }),
});

const R10_NAMES = Array.from({ length: 10 }, (_, i) => `x${i + 1}`);
export const rosenbrock10Objective = defineObjective({
  deterministic: true,
  name: 'bench:rosenbrock10',
  title: 'Rosenbrock function in 10 dimensions',
  description:
    'Minimize the Rosenbrock function of ten coordinates x1..x10 in [-5, 10]: a long, curved, flat-bottomed valley whose minimum 0 is at (1, ..., 1); values span many orders of magnitude. No training: one evaluation per trial.',
  metric: METRIC,
  dataSummary: SUMMARY,
  optimum: 0,
  space: Object.fromEntries(
    R10_NAMES.map((name, i) => [
      name,
      float(-5, 10, { default: 2.5, area: 'training', description: `coordinate ${i + 1} of 10` }),
    ]),
  ),
  objective: async (config) => ({ value: rosenbrock(numbers(config, R10_NAMES)) }),
});

/** Observation noise of the noisy Hartmann function (its range is about 3.3). */
export const NOISE_SD = 0.1;
export const noisyHartmann6Objective = defineObjective({
  name: 'bench:hartmann6-noisy',
  title: 'Hartmann 6-D function with observation noise',
  description:
    'Minimize the Hartmann function of x1..x6 in [0, 1] observed with Gaussian noise of standard deviation 0.1 (the global minimum of the noiseless function is -3.32237): two evaluations of the same point differ, as two trainings of one configuration do. No training: one evaluation per trial.',
  metric: METRIC,
  dataSummary: SUMMARY,
  optimum: HARTMANN6_OPTIMUM,
  space: unitDims(H6_NAMES, (i) => `coordinate ${i + 1} of 6`),
  objective: async (config, trial) => {
    const truth = hartmann6(numbers(config, H6_NAMES));
    // Noise differs per trial and repeats for a seed, so a campaign can be replayed.
    const noise = new Rng(trial.seed * 100_003 + trial.number).normal() * NOISE_SD;
    return { value: truth + noise, true_value: truth };
  },
});

/**
 * What real spaces look like: a choice of family, each with its own dimensions (conditional on the
 * family), an integer, and a categorical setting shared by all. The best family is `branin` at a
 * Branin minimum with `scaling` standard: 0.
 */
export function mixed(config: Record<string, unknown>): number {
  const scaling = { standard: 0, minmax: 0.3, none: 0.6 }[config['scaling'] as string] ?? 1;
  switch (config['family']) {
    case 'branin':
      return branin(config['bx1'] as number, config['bx2'] as number) - BRANIN_OPTIMUM + scaling;
    case 'sphere': {
      const s = ['s1', 's2', 's3'].reduce((sum, n) => sum + ((config[n] as number) - 0.3) ** 2, 0);
      return 0.5 + s + 0.25 * Math.abs((config['depth'] as number) - 3) + scaling;
    }
    default: {
      const q = config['q'] as number;
      return 1 + (q - 1.5) ** 2 + scaling;
    }
  }
}

/** The sphere family's three coordinates, applying only when it is chosen. */
function sphereCoordinates(): ParamDefs {
  return Object.fromEntries(
    [1, 2, 3].map((i) => [
      `s${i}`,
      float(-2, 2, {
        default: 0,
        area: 'training',
        description: `sphere coordinate ${i}`,
        when: { param: 'family', oneOf: ['sphere'] },
      }),
    ]),
  );
}

export const mixedObjective = defineObjective({
  deterministic: true,
  name: 'bench:mixed',
  title: 'A mixed, conditional space (choices, integers, dimensions that apply only sometimes)',
  description:
    'Minimize a function of a family choice (branin, sphere, quadratic), each family with its own dimensions that apply only when it is chosen, and a scaling choice shared by all (standard is best, then minmax, then none). The branin family reaches 0 at a Branin minimum with standard scaling; sphere bottoms out at 0.5, quadratic at 1. No training: one evaluation per trial.',
  metric: METRIC,
  dataSummary: SUMMARY,
  optimum: 0,
  space: {
    family: choice(['quadratic', 'sphere', 'branin'], {
      default: 'quadratic',
      area: 'architecture',
      description: 'which family of function',
    }),
    scaling: choice(['none', 'minmax', 'standard'], {
      default: 'none',
      area: 'features',
      description: 'a categorical setting shared by all families',
    }),
    q: float(-5, 5, {
      default: 0,
      area: 'training',
      description: 'the quadratic family’s coordinate',
      when: { param: 'family', oneOf: ['quadratic'] },
    }),
    ...sphereCoordinates(),
    depth: int(1, 6, {
      default: 1,
      area: 'architecture',
      description: 'an integer of the sphere family (best at 3)',
      when: { param: 'family', oneOf: ['sphere'] },
    }),
    bx1: float(-5, 10, {
      default: 2.5,
      area: 'training',
      description: 'Branin x1',
      when: { param: 'family', oneOf: ['branin'] },
    }),
    bx2: float(0, 15, {
      default: 7.5,
      area: 'training',
      description: 'Branin x2',
      when: { param: 'family', oneOf: ['branin'] },
    }),
  },
  objective: async (config) => ({ value: mixed(config) }),
});

export const benchmarkObjectives: ObjectiveTask[] = [
  braninObjective,
  hartmann6Objective,
  rosenbrock10Objective,
  noisyHartmann6Objective,
  mixedObjective,
];
