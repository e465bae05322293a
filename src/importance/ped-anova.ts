import type { ParamImportance } from '../contracts/campaign-report.ts';
import { type Direction, gainSign } from '../maths/direction.ts';
import { median } from '../stats/median.ts';

/** A finished trial as importance reads it: its configuration and its score. */
export interface ScoredConfig {
  config: Readonly<Record<string, unknown>>;
  value: number;
}

export interface PedAnovaOptions {
  /** The share of trials counted as good (default 0.1). */
  quantile?: number;
  /** At least this many good trials, when there are more trials than that (default 5). */
  minGood?: number;
  /** Cells a numeric dimension's observed range is cut into (default 50). */
  steps?: number;
}

/**
 * Which dimensions mattered to reach the campaign's best results: PED-ANOVA (Watanabe, Bansal
 * and Hutter 2023, "PED-ANOVA: Efficiently quantifying hyperparameter importance in arbitrary
 * subspaces"), in its local form (as optuna-dashboard uses it). For each dimension, the
 * distribution of its values among the good trials (the top `quantile`, at least `minGood`) is
 * compared with their distribution among all trials by the Pearson divergence,
 * sum over cells of p_all * (p_good / p_all - 1)^2: a dimension whose good values sit where the
 * search went anyway scores near 0, one whose good values crowd into a corner scores high. Both
 * distributions are Parzen estimates over a grid of the observed range (Scott's bandwidth, plus
 * one wide prior observation that keeps a few trials from looking certain); the shares are
 * normalized to sum to 1. Read from the configurations alone (numbers that span two orders of
 * magnitude and crowd the low end on a log scale, everything else as choices), so it needs no
 * task code and costs milliseconds.
 *
 * Dimensions with one observed value are left out; a dimension missing from a configuration (a
 * condition that did not hold) is judged on the trials that have it. Null with fewer than 3
 * trials or nothing to compare; `good` says how many trials counted as good.
 */
export function pedAnova(
  trials: readonly ScoredConfig[],
  direction: Direction,
  opts: PedAnovaOptions = {},
): { importances: ParamImportance[]; good: number } | null {
  const finite = trials.filter((t) => Number.isFinite(t.value));
  if (finite.length < 3) return null;
  const quantile = opts.quantile ?? 0.1;
  const steps = opts.steps ?? 50;
  const sign = -gainSign(direction);
  const ranked = finite.slice().sort((a, b) => sign * (a.value - b.value));
  const nGood = Math.min(
    finite.length - 1,
    Math.max(Math.ceil(quantile * finite.length), opts.minGood ?? 5),
  );
  const good = new Set(ranked.slice(0, nGood));
  const names = [...new Set(finite.flatMap((t) => Object.keys(t.config)))];

  const scores: ParamImportance[] = [];
  for (const name of names) {
    const having = finite.filter((t) => t.config[name] !== undefined && t.config[name] !== null);
    const cellsOf = cellsFor(
      having.map((t) => t.config[name]),
      steps,
    );
    if (!cellsOf) continue;
    const all = having.map((t) => cellsOf.cell(t.config[name]));
    const top = having.filter((t) => good.has(t)).map((t) => cellsOf.cell(t.config[name]));
    if (top.length === 0) continue;
    const density = cellsOf.numeric ? gridDensity : choiceDensity;
    scores.push({
      name,
      importance: pearsonDivergence(density(top, cellsOf.count), density(all, cellsOf.count)),
    });
  }
  if (scores.length === 0) return null;
  const total = scores.reduce((s, x) => s + x.importance, 0);
  const importances = scores
    .map((s) => ({
      name: s.name,
      importance: total > 0 ? s.importance / total : 1 / scores.length,
    }))
    .sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
  return { importances, good: nGood };
}

/**
 * A dimension's grid, from the values observed: numbers on a linear or log scale cut into
 * `steps` cells (integers with fewer distinct values into one cell each), anything else one cell
 * per distinct value; null when there is one value only (nothing to compare).
 */
function cellsFor(
  values: readonly unknown[],
  steps: number,
): { count: number; numeric: boolean; cell: (v: unknown) => number } | null {
  const distinct = [...new Set(values.map((v) => (typeof v === 'number' ? v : JSON.stringify(v))))];
  if (distinct.length < 2) return null;
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const numbers = values as number[];
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    // Log cells when the values span two orders of magnitude and most crowd the low end (as
    // log-uniform draws do); a uniform draw that came near 0 keeps linear cells.
    const log = lo > 0 && hi / lo >= 100 && median(numbers) - lo < 0.1 * (hi - lo);
    const scale = (x: number) => (log ? Math.log(x) : x);
    const integers = numbers.every(Number.isInteger);
    const count = integers ? Math.min(steps, hi - lo + 1) : steps;
    const [a, b] = [scale(lo), scale(hi)];
    return {
      count,
      numeric: true,
      cell: (v) => Math.min(count - 1, Math.floor(((scale(v as number) - a) / (b - a)) * count)),
    };
  }
  const index = new Map(distinct.map((d, i) => [d, i]));
  return {
    count: distinct.length,
    numeric: false,
    cell: (v) => index.get(typeof v === 'number' ? v : JSON.stringify(v))!,
  };
}

/** sum_g p_all(g) * (p_good(g) / p_all(g) - 1)^2, with a floor against empty cells. */
function pearsonDivergence(good: readonly number[], all: readonly number[]): number {
  let sum = 0;
  for (let g = 0; g < all.length; g++) {
    const a = all[g]! + 1e-12;
    const r = (good[g]! + 1e-12) / a - 1;
    sum += a * r * r;
  }
  return sum;
}

/**
 * A Parzen estimate over `cells` cells of observations given as cell indices: a Gaussian kernel
 * per observation with Scott's bandwidth (at least half a cell), plus one wide prior kernel at
 * the middle, each normalized over the grid; the mixture sums to 1.
 */
function gridDensity(observed: readonly number[], cells: number): number[] {
  const n = observed.length;
  const mean = observed.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(observed.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = observed.slice().sort((a, b) => a - b);
  const iqr = sorted[Math.min(n - 1, Math.floor((3 * n) / 4))]! - sorted[Math.floor(n / 4)]!;
  const spread = iqr > 0 ? Math.min(iqr / 1.34, sd) : sd;
  // Scott's rule; the floor keeps 90% of a kernel within its own cell's neighbourhood.
  const sigma = Math.max(1.059 * spread * n ** -0.2, 0.5 / 1.64);
  const density = new Array<number>(cells).fill(0);
  const addKernel = (mu: number, s: number, weight: number) => {
    const k = Array.from({ length: cells }, (_, g) => Math.exp(-0.5 * ((g - mu) / s) ** 2));
    const z = k.reduce((a, b) => a + b, 0);
    for (let g = 0; g < cells; g++) density[g]! += (weight * k[g]!) / z;
  };
  // Observations in the same cell share a kernel: one per occupied cell, weighted by its count
  // (a 10,000-trial campaign then costs cells^2 per dimension, not trials x cells).
  const counts = new Map<number, number>();
  for (const x of observed) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const [x, count] of counts) addKernel(x, sigma, count);
  addKernel((cells - 1) / 2, cells, 1);
  return density.map((d) => d / (n + 1));
}

/** Choice frequencies with one uniform prior observation, summing to 1. */
function choiceDensity(observed: readonly number[], options: number): number[] {
  const counts = new Array<number>(options).fill(1 / options);
  for (const x of observed) counts[x]! += 1;
  return counts.map((c) => c / (observed.length + 1));
}
