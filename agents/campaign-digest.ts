import { orNaN } from '../src/maths/finite.ts';
import { DEFAULT_SOURCE } from '../src/strategies/default-first-strategy.ts';
import type { TrialRecord } from '../src/contracts/trial-record.ts';
import { standardError } from '../src/stats/standard-error.ts';
import { trialImportance } from '../src/importance/trial-importance.ts';
import { formatNumber } from '../src/format/display-format.js';
import { describeCondition, describeRange } from '../src/search-space/param.ts';
import { formatConfig } from '../src/search-space/format-config.ts';
import type { AnyTask, MetricSpec } from '../src/task-kinds/task.ts';
import { describeEpochCap } from '../src/trainer/step-budget.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';

/** A trial as the agents see it: its record and its learning curve (validation data only). */
export type TrialView = TrialRecord & { curve: EpochRecord[]; seed?: number };

/** Numbers as people read them (missing ones as n/a, which reads better to an LLM than '-'). */
export const formatValue = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : formatNumber(v);

/** What the task is, its metric, and every dimension with its range and default. */
export function taskCard(task: AnyTask): string {
  const better = task.metric.direction === 'maximize' ? 'higher is better' : 'lower is better';
  const dims = task.space.params.map((p) => {
    const when = p.when ? ` (only ${describeCondition(p.when)})` : '';
    return `- ${p.name} [${p.area}]: ${p.description}; ${describeRange(p)}; default ${JSON.stringify(p.default)}${when}`;
  });
  return [
    `${task.title} (${task.name}), ${task.kind}. ${task.description}`,
    `Metric: validation ${task.metric.name}, ${better}.`,
    'Search space:',
    ...dims,
  ].join('\n');
}

/** A learning curve in a line: the metric and the training loss at a few epochs, and its trend. */
export function curveInShort(curve: readonly EpochRecord[], metric: string): string {
  if (curve.length === 0) return 'no epochs';
  const picks = [
    ...new Set([
      0,
      Math.floor((curve.length - 1) / 3),
      Math.floor((2 * (curve.length - 1)) / 3),
      curve.length - 1,
    ]),
  ];
  const at = picks.map((i) => curve[i]!);
  const epochs = at.map((r) => r.epoch).join('/');
  const val = at.map((r) => formatValue(r.validationMetric)).join('→');
  const loss = at.map((r) => formatValue(r.loss)).join('→');
  const vloss = at.map((r) => formatValue(r.validationLoss)).join('→');
  return `val ${metric} ${val}, train loss ${loss}, val loss ${vloss} (epochs ${epochs}); ${curveTrend(curve)}`;
}

/** The shape of a curve in words: diverging, overfitting, still improving, or flat. */
export function curveTrend(stored: readonly EpochRecord[]): string {
  // A diverged epoch's losses are null once stored: NaN here, so no comparison counts them.
  const curve = stored.map((r) => ({
    loss: orNaN(r.loss),
    validationLoss: orNaN(r.validationLoss),
    metricOnly: r.metricOnly,
  }));
  const last = curve.at(-1);
  if (!last) return 'no learning curve';
  // An objective that reports only its metric has no loss to diverge.
  if (!Number.isFinite(last.loss) && !last.metricOnly) return 'the loss diverged (NaN/inf)';
  if (curve.length < 3) return 'too short to judge';
  if (last.metricOnly) return 'a curve of the metric alone (no losses reported)';
  const minVal = Math.min(...curve.map((r) => r.validationLoss));
  const tail = curve.slice(Math.floor(curve.length * 0.7));
  const trainFalling = tail[0]!.loss > last.loss * 1.05;
  if (last.validationLoss > minVal * 1.15 && trainFalling)
    return 'overfitting: validation loss rose from its minimum while training loss kept falling';
  if (tail[0]!.validationLoss > last.validationLoss * 1.02)
    return 'still improving at the last epoch';
  if (curve[0]!.loss < last.loss * 1.1)
    return 'the training loss barely moved: underfitting or a too small learning rate';
  return 'converged (flat at the end)';
}

export function trialLine(t: TrialView, metric: MetricSpec): string {
  // The baseline (the starting point) and the default (the control) are named as such.
  const tag = t.source === 'baseline' || t.source === DEFAULT_SOURCE ? `, ${t.source}` : '';
  const head = `#${t.number} [${t.state}${tag}] ${metric.name} ${formatValue(t.value)}`;
  const why = t.reason ? ` — proposed because: ${t.reason}` : '';
  const detail =
    t.state === 'failed'
      ? `failed: ${t.error ?? 'unknown error'}`
      : curveInShort(t.curve, metric.name);
  const folds = t.foldValues
    ? ` (mean of ${t.foldValues.length} folds: ${t.foldValues.map(formatValue).join(', ')})`
    : '';
  const cut = t.epochCap ? `\n    note: trained ${describeEpochCap(t.epochCap)}` : '';
  return `${head}${folds}${why}\n    config: ${formatConfig(t.config, ', ')}\n    curve: ${detail}${cut}`;
}

function ranked(trials: TrialView[], metric: MetricSpec): TrialView[] {
  const scored = trials.filter(
    (t) => t.state === 'completed' && t.value !== null && t.value !== undefined,
  );
  return scored.sort((a, b) =>
    metric.direction === 'maximize' ? b.value! - a.value! : a.value! - b.value!,
  );
}

/** Failed and pruned trials listed in the digest; the older ones are counted, not listed. */
const TROUBLED_LISTED = 8;

/**
 * The best trials, the most recent ones, and the latest failed and pruned ones, without
 * repeats. Its size does not grow with the campaign: a prompt at trial 10,000 is as long as one
 * at trial 100 (the older failures are a count).
 */
export function historyDigest(trials: TrialView[], metric: MetricSpec): string {
  if (trials.length === 0) return 'No trials yet.';
  const best = ranked(trials, metric).slice(0, 3);
  const recent = trials.filter((t) => !best.includes(t)).slice(-5);
  const troubled = trials.filter(
    (t) =>
      (t.state === 'failed' || t.state === 'pruned') && !best.includes(t) && !recent.includes(t),
  );
  const listed = troubled.slice(-TROUBLED_LISTED);
  const parts = [`${trials.length} trials so far.`];
  const mattered = importanceLine(trials, metric);
  if (mattered) parts.push(mattered);
  if (best.length) parts.push('Best:', ...best.map((t) => trialLine(t, metric)));
  if (recent.length) parts.push('Most recent:', ...recent.map((t) => trialLine(t, metric)));
  if (listed.length)
    parts.push(
      troubled.length > listed.length
        ? `Failed or pruned earlier (the latest ${listed.length} of ${troubled.length}):`
        : 'Failed or pruned earlier:',
      ...listed.map(
        (t) =>
          `#${t.number} [${t.state}] ${formatConfig(t.config, ', ')}${t.error ? ` (${t.error})` : ''}`,
      ),
    );
  return parts.join('\n');
}

/** Dimensions named in the importance line: the rest share what is left. */
const IMPORTANCE_LISTED = 5;

/**
 * What mattered so far (PED-ANOVA over the finished trials, see trial-importance.ts): the
 * dimensions whose values among the best trials differ most from where the search went. Absent
 * under 10 finished trials.
 */
export function importanceLine(trials: TrialView[], metric: MetricSpec): string | null {
  const found = trialImportance(trials, metric.direction);
  if (!found) return null;
  const top = found.importances.slice(0, IMPORTANCE_LISTED);
  return `What mattered so far (where the best ${found.good} of ${found.trials} trials differ most from the rest, shares of 1): ${top.map((i) => `${i.name} ${formatNumber(i.importance)}`).join(', ')}.`;
}

/**
 * How far apart two results may be by chance, from the default configuration (a sensible model,
 * unlike the untuned baseline, whose runs may diverge or sit on one class): the spread of the
 * default trained with two seeds, and with cross-validation the standard error of the
 * difference of two fold means, from the default's folds (times sqrt 2). The larger, when both
 * are known. Without a default trial, the folds' median over the trials.
 */
export function noiseOf(trials: TrialView[]): number | null {
  const seeds = seedNoise(trials);
  const folds = foldNoise(trials);
  if (seeds === null) return folds;
  return folds === null ? seeds : Math.max(seeds, folds);
}

/** The completed default trials (the campaign's control and its repeat with another seed). */
function defaultRuns(trials: TrialView[]): TrialView[] {
  return trials.filter(
    (t) =>
      t.source === DEFAULT_SOURCE &&
      t.state === 'completed' &&
      t.value !== null &&
      t.value !== undefined &&
      Number.isFinite(t.value),
  );
}

function seedNoise(trials: TrialView[]): number | null {
  const values = defaultRuns(trials).map((t) => t.value!);
  if (values.length < 2) return null;
  return Math.max(...values) - Math.min(...values);
}

function foldNoise(trials: TrialView[]): number | null {
  const control = defaultRuns(trials).find((t) => (t.foldValues?.length ?? 0) >= 2);
  if (control) return Math.SQRT2 * standardError(control.foldValues!);
  const errors = trials
    .filter((t) => t.state === 'completed' && (t.foldValues?.length ?? 0) >= 2)
    .map((t) => standardError(t.foldValues!))
    .sort((a, b) => a - b);
  if (errors.length === 0) return null;
  return Math.SQRT2 * errors[Math.floor((errors.length - 1) / 2)]!;
}

export function noiseText(trials: TrialView[], metric: MetricSpec): string {
  const noise = noiseOf(trials);
  if (noise === null) return 'Not measured yet.';
  const seeds = seedNoise(trials);
  const folds = foldNoise(trials);
  const k = trials.find((t) => t.foldValues)?.foldValues?.length;
  const fromDefault = defaultRuns(trials).some((t) => (t.foldValues?.length ?? 0) >= 2);
  return [
    ...(seeds !== null
      ? [
          `The default configuration trained twice with different seeds differed by ${formatValue(seeds)} in ${metric.name}.`,
        ]
      : []),
    ...(folds !== null
      ? [
          `Each trial is the mean of ${k} cross-validation folds; ${fromDefault ? "by the default configuration's folds, " : ''}two such means differ by about ${formatValue(folds)} in ${metric.name} by chance.`,
        ]
      : []),
    `Differences smaller than ${formatValue(noise)} are noise.`,
  ].join(' ');
}

export function baselineText(trials: TrialView[], metric: MetricSpec): string {
  const base = trials.filter((t) => t.source === 'baseline');
  if (base.length === 0) return 'Not trained yet.';
  return base.map((t) => trialLine(t, metric)).join('\n');
}

export function bestOf(trials: TrialView[], metric: MetricSpec): TrialView | undefined {
  return ranked(trials, metric)[0];
}
