import { metricsOfPredictions, type Metrics } from '../trainer/metrics.ts';
import type { MetricSpec, TaskKind } from '../task-kinds/task.ts';
import type { TrialPredictions } from '../trainer/trial-predictions.ts';
import { gainSign } from '../maths/direction.ts';

export interface EnsembleSelectionOptions {
  kind: TaskKind;
  /** The campaign's metric: what the ensemble is chosen to improve. */
  metric: MetricSpec;
  /** Rounds of greedy selection: at most this many picks, so weights are multiples of 1/rounds. */
  rounds: number;
}

export interface SelectedEnsemble {
  /** One weight per candidate, in the candidates' order; they sum to 1. */
  weights: number[];
  /** The ensemble's scores on the predictions it was selected on (optimistic, like any pick). */
  metrics: Metrics;
}

/**
 * Ensemble selection (Caruana, Niculescu-Mizil, Crew and Ksikes 2004), as auto-sklearn and
 * AutoGluon use it: start empty; each round, add the candidate (again, if it is already in) whose
 * addition makes the average of the picks score best; keep the round that scored best. Picking
 * with replacement is what keeps it from overfitting a few hundred rows: a model's weight grows in
 * steps of 1/rounds instead of being fitted freely.
 *
 * Ties on the metric (accuracy moves in steps of one row) are broken by the loss (cross-entropy
 * of the averaged probabilities, or squared error), then by the earlier candidate: callers put
 * the best single model first, so a tie keeps the simpler ensemble. Deterministic.
 */
export function selectEnsemble(
  candidates: readonly TrialPredictions[],
  opts: EnsembleSelectionOptions,
): SelectedEnsemble {
  if (candidates.length === 0) throw new Error('ensemble selection needs at least one candidate');
  const first = candidates[0]!;
  for (const c of candidates)
    if (c.width !== first.width || c.outputs.length !== first.outputs.length)
      throw new Error(
        'ensemble candidates must predict the same rows (the same fold assignment and split)',
      );
  const rounds = Math.max(1, Math.floor(opts.rounds));
  const sum = new Float32Array(first.outputs.length);
  const mix = new Float32Array(first.outputs.length);
  const counts = candidates.map(() => 0);
  let best: { counts: number[]; metrics: Metrics } | null = null;
  for (let round = 1; round <= rounds; round++) {
    let pick = -1;
    let pickMetrics: Metrics | null = null;
    candidates.forEach((c, i) => {
      for (let j = 0; j < mix.length; j++) mix[j] = (sum[j]! + c.outputs[j]!) / round;
      const metrics = metricsOfPredictions(opts.kind, mix, first.targets, first.width);
      if (!pickMetrics || better(metrics, pickMetrics, opts.metric)) {
        pick = i;
        pickMetrics = metrics;
      }
    });
    const chosen = candidates[pick]!;
    for (let j = 0; j < sum.length; j++) sum[j]! += chosen.outputs[j]!;
    counts[pick]!++;
    if (!best || better(pickMetrics!, best.metrics, opts.metric))
      best = { counts: counts.slice(), metrics: pickMetrics! };
  }
  const picks = best!.counts.reduce((a, b) => a + b, 0);
  return { weights: best!.counts.map((n) => n / picks), metrics: best!.metrics };
}

/** The weighted average of the candidates' predictions (weights summing to 1). */
export function combinePredictions(
  parts: readonly TrialPredictions[],
  weights: readonly number[],
): TrialPredictions {
  const first = parts[0]!;
  const outputs = new Float32Array(first.outputs.length);
  parts.forEach((p, i) => {
    const w = weights[i]!;
    if (w === 0) return;
    if (p.outputs.length !== outputs.length)
      throw new Error('internal error: ensemble members predicted different rows');
    for (let j = 0; j < outputs.length; j++) outputs[j]! += w * p.outputs[j]!;
  });
  return { width: first.width, foldSizes: first.foldSizes, outputs, targets: first.targets };
}

/** Whether `a` scores better than `b`: the metric first, the loss on a tie. */
function better(a: Metrics, b: Metrics, metric: MetricSpec): boolean {
  const sign = gainSign(metric.direction);
  const d = sign * ((a[metric.name] ?? NaN) - (b[metric.name] ?? NaN));
  if (Math.abs(d) > 1e-12) return d > 0;
  return a.loss !== null && b.loss !== null && a.loss < b.loss - 1e-12;
}
