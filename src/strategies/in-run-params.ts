import type { Rng } from '../random/rng.ts';
import type { Config, NamedParam, SearchSpace } from '../search-space/search-space.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';

/**
 * What may change between two epochs of one run without rebuilding its weights: the training
 * plan (learning rate and schedule, optimizer, loss, class weights, batch size), regularization
 * (dropout, weight penalty) and augmentation. The rest (layers, units, scaling) shapes the model
 * or its inputs, so a checkpoint cannot carry over a change to it.
 */
export const IN_RUN_PARAMS = [
  'learningRate',
  'lrSchedule',
  'lrDecay',
  'optimizer',
  'loss',
  'classWeights',
  'batchSize',
  'dropout',
  'penalty',
  'penaltyWeight',
  'flip',
  'shift',
] as const;

/** The task's dimensions that may change mid-run (those of IN_RUN_PARAMS it has). */
export function inRunParams(space: SearchSpace): NamedParam[] {
  const names: readonly string[] = IN_RUN_PARAMS;
  return space.params.filter((p) => names.includes(p.name));
}

/** "learningRate 0.001→0.003, optimizer sgd→adam": what a change does, in a line. */
export function describeChange(from: Config, to: Config): string {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  const changed = keys.filter((k) => from[k] !== to[k]);
  return changed.length
    ? changed.map((k) => `${k} ${show(from[k])}→${show(to[k])}`).join(', ')
    : 'no change';
}

function show(v: Config[string] | undefined): string {
  if (v === undefined) return '(unset)';
  return typeof v === 'number' ? String(Number(v.toPrecision(3))) : String(v);
}

/**
 * A configuration with only mid-run dimensions taken from `change`: anything else it names is
 * dropped and listed, so an agent cannot slip an architecture change into a running model.
 */
export function applyInRunChange(
  space: SearchSpace,
  config: Config,
  change: Config,
): { config: Config; ignored: string[] } {
  const allowed = new Set(inRunParams(space).map((p) => p.name));
  const next: Config = { ...config };
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(change)) {
    if (allowed.has(name)) next[name] = value;
    else ignored.push(name);
  }
  return { config: next, ignored };
}

/**
 * PBT's explore step: each mid-run dimension moves with probability `rate`; a number is
 * multiplied by 0.8 or 1.25 (within its range), a choice is drawn afresh (Ray Tune's defaults).
 */
export function perturb(space: SearchSpace, config: Config, rng: Rng, rate = 0.5): Config {
  const next: Config = { ...config };
  for (const p of inRunParams(space)) {
    if (!space.isActive(p.name, next) || rng.next() >= rate) continue;
    if (p.kind === 'choice') {
      next[p.name] = p.choices[Math.floor(rng.next() * p.choices.length)]!;
      continue;
    }
    const current = Number(next[p.name] ?? p.default);
    const moved = Math.min(p.high, Math.max(p.low, current * (rng.next() < 0.5 ? 0.8 : 1.25)));
    next[p.name] = p.kind === 'int' ? Math.round(moved) : moved;
  }
  const checked = space.validate(next);
  return checked.ok ? (checked.config as Config) : config;
}

/** The epochs a segment trial starts after: the end epoch of the trial it continues. */
export function segmentStart(t: TrialRecord, byNumber: ReadonlyMap<number, TrialRecord>): number {
  const from = t.segment?.from;
  return from === undefined ? 0 : (byNumber.get(from)?.segment?.until ?? 0);
}
