import type { CampaignRequest } from '../contracts/campaign-request.ts';
import { FINISHED_TRIAL, type TrialRecord } from '../contracts/trial-record.ts';
import { type EnsemblePlan } from '../contracts/campaign-record.ts';
import { combinePredictions, selectEnsemble } from '../ensemble/ensemble-selection.ts';
import { decodePredictions, foldOf, type TrialPredictions } from '../trainer/trial-predictions.ts';
import { formatNumber } from '../format/display-format.js';
import {
  CONFIRM_SOURCE,
  confirmationBudget,
  confirmationsOf,
} from '../strategies/confirming-strategy.ts';
import { correctedResampledTTest } from '../stats/corrected-t-test.ts';
import { metricsOfPredictions } from '../trainer/metrics.ts';
import type { MetricSpec, TaskKind } from '../task-kinds/task.ts';
import { gainSign } from '../maths/direction.ts';

/**
 * The most trials whose predictions a campaign keeps (its best by value, and every
 * re-evaluation): what ensemble selection chooses from, and what bounds Redis's memory in a
 * campaign of 10,000 trials.
 */
export const MAX_ENSEMBLE_CANDIDATES = 50;

export interface EnsembleInputs {
  trials: readonly TrialRecord[];
  /** The kept predictions, by trial number. */
  predictions: ReadonlyMap<number, TrialPredictions>;
  kind: TaskKind;
  metric: MetricSpec;
  rounds: number;
  request: Pick<CampaignRequest, 'cv' | 'maxTrials'>;
  /** The campaign's single pick (its best, or the configuration its re-evaluation kept). */
  pick: number;
}

/**
 * The ensemble a campaign's final model would be, and whether it is.
 *
 * A cross-validated campaign that re-evaluated its best on fresh folds (ConfirmingStrategy)
 * chooses among the re-evaluated configurations only (the default and the best few): the
 * weights come from their out-of-fold predictions on the search's folds, and the ensemble is
 * judged with the same weights on the fresh folds, which nothing selected on. It ships when its
 * advantage over the single pick holds there (the corrected resampled t-test's 95% lower bound
 * of the difference above zero, the rule the pick was held to); it is said to beat the default
 * only when the same bound of its gain over the default is above zero.
 *
 * Otherwise the ensemble is chosen from the best trials' validation (or out-of-fold)
 * predictions and ships when it scores better there than the best single trial; with nothing
 * left apart to judge it on, no gain is claimed as confirmed.
 *
 * Null when there is nothing to choose from (fewer than two trials with predictions).
 */
export function planEnsemble(inputs: EnsembleInputs): EnsemblePlan | null {
  const { trials, metric, request } = inputs;
  const folds = request.cv ?? 1;
  const reserve = folds > 1 ? confirmationBudget(request.maxTrials) : 0;
  const confirmations =
    reserve >= 2 ? confirmationsOf(trials, { direction: metric.direction, folds, reserve }) : null;
  return confirmations ? onFreshFolds(inputs, confirmations, folds) : onSelectionData(inputs);
}

type Confirmations = NonNullable<ReturnType<typeof confirmationsOf>>;

function onFreshFolds(
  inputs: EnsembleInputs,
  confirmations: Confirmations,
  folds: number,
): EnsemblePlan | null {
  const { predictions, metric, kind } = inputs;
  const usable = confirmations.filter(
    (c) => predictions.has(c.searchTrial) && predictions.has(c.confirmTrial),
  );
  const control = usable.find((c) => c.test === null);
  if (usable.length < 2 || !control) return null;
  const byNumber = new Map(inputs.trials.map((t) => [t.number, t]));
  const sign = gainSign(metric.direction);
  // The best single first: a tie in selection keeps the simpler ensemble (see selectEnsemble).
  const ordered = usable
    .slice()
    .sort(
      (a, b) =>
        sign * (byNumber.get(b.searchTrial)!.value! - byNumber.get(a.searchTrial)!.value!) ||
        a.searchTrial - b.searchTrial,
    );
  const selected = selectEnsemble(
    ordered.map((c) => predictions.get(c.searchTrial)!),
    { kind, metric, rounds: inputs.rounds },
  );
  const fresh = combinePredictions(
    ordered.map((c) => predictions.get(c.confirmTrial)!),
    selected.weights,
  );
  const perFold = (p: TrialPredictions) =>
    p.foldSizes.map((_, k) => {
      const fold = foldOf(p, k);
      return metricsOfPredictions(kind, fold.outputs, fold.targets, p.width)[metric.name] ?? NaN;
    });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const ensembleFolds = perFold(fresh);
  const defaultFolds = perFold(predictions.get(control.confirmTrial)!);
  const pick = usable.find((c) => c.searchTrial === inputs.pick) ?? control;
  const pickFolds = perFold(predictions.get(pick.confirmTrial)!);
  const test = correctedResampledTTest(
    ensembleFolds.map((v, k) => sign * (v - defaultFolds[k]!)),
    1 / (folds - 1),
  );
  const members = membersOf(
    ordered.map((c) => byNumber.get(c.searchTrial)!),
    selected.weights,
  );
  const value = mean(ensembleFolds);
  const pickValue = mean(pickFolds);
  // It replaces the single pick only where its advantage holds, by the rule the pick itself was
  // held to (the 95% lower bound above zero): a better mean alone is what the winner's curse
  // produces. The fresh folds reuse the search's rows, and weights fitted to those rows looked
  // better there than they were (california housing: ahead on fresh folds with p about 0.06-0.1
  // in 3 campaigns, behind on the test split in all 3).
  const overPick = correctedResampledTTest(
    ensembleFolds.map((v, k) => sign * (v - pickFolds[k]!)),
    1 / (folds - 1),
  );
  const ships = members.length >= 2 && overPick.lower > 0;
  const best = byNumber.get(ordered[0]!.searchTrial)!;
  const fmt = formatNumber;
  const name = metric.name;
  const on = `on ${ensembleFolds.length} fresh folds it scored ${name} ${fmt(value)} against the default's ${fmt(mean(defaultFolds))} (gain ${fmt(test.mean)}, 95% lower bound ${fmt(test.lower)}, p = ${fmt(test.p)}, corrected resampled t-test)`;
  const pickText = pick === control ? `the default (#${pick.searchTrial})` : `#${pick.searchTrial}`;
  const verdict =
    members.length < 2
      ? `ensemble selection kept only #${members[0]!.trial}: the single pick ships`
      : !ships
        ? `an ensemble of ${describeMembers(members)} scored ${name} ${fmt(value)} on the fresh folds against the single pick's ${fmt(pickValue)} (${pickText}; 95% lower bound of the difference ${fmt(overPick.lower)}): not better beyond the noise, so the single pick ships`
        : test.lower > 0
          ? `the final model is an ensemble of ${describeMembers(members)}: ${on}; it beat the default on folds the search did not select on`
          : `the final model is an ensemble of ${describeMembers(members)}: ${on}, a gain over the default within the noise; it ships because it beat the single pick, ${pickText} (${fmt(pickValue)}), beyond the noise there (95% lower bound ${fmt(overPick.lower)})`;
  return {
    members,
    ships,
    selected: {
      value: selected.metrics[name] ?? NaN,
      bestSingle: { trial: best.number, value: best.value! },
    },
    fresh: {
      value,
      defaultValue: mean(defaultFolds),
      pickValue,
      pickTrial: pick.searchTrial,
      gain: test.mean,
      pValue: test.p,
      lowerBound: test.lower,
    },
    verdict,
  };
}

function onSelectionData(inputs: EnsembleInputs): EnsemblePlan | null {
  const { predictions, metric, kind } = inputs;
  const sign = gainSign(metric.direction);
  const ranked = searchTrialsByValue(inputs.trials, metric).filter((t) =>
    predictions.has(t.number),
  );
  if (ranked.length < 2) return null;
  // Trials on other folds or rows (none in a plain search) cannot be averaged with the best's.
  const rows = predictions.get(ranked[0]!.number)!.outputs.length;
  const candidates = ranked
    .filter((t) => predictions.get(t.number)!.outputs.length === rows)
    .slice(0, MAX_ENSEMBLE_CANDIDATES);
  const selected = selectEnsemble(
    candidates.map((t) => predictions.get(t.number)!),
    { kind, metric, rounds: inputs.rounds },
  );
  const members = membersOf(candidates, selected.weights);
  const best = candidates[0]!;
  const value = selected.metrics[metric.name] ?? NaN;
  const ships = members.length >= 2 && sign * (value - best.value!) > 1e-12;
  const fmt = formatNumber;
  const where = (inputs.request.cv ?? 1) > 1 ? 'out-of-fold predictions' : 'validation split';
  const verdict =
    members.length < 2
      ? `ensemble selection kept only #${members[0]!.trial}: the single pick ships`
      : ships
        ? `the final model is an ensemble of ${describeMembers(members)}: ${metric.name} ${fmt(value)} on the ${where} it was selected on, against the best single trial's (#${best.number}) ${fmt(best.value!)}; not confirmed on evidence the search did not select on`
        : `an ensemble of ${describeMembers(members)} scored no better than #${best.number} alone on the ${where}: the single pick ships`;
  return {
    members,
    ships,
    selected: { value, bestSingle: { trial: best.number, value: best.value! } },
    verdict,
  };
}

/**
 * The kept predictions, decoded; bytes that are not predictions (Redis is data: anything may
 * have written there) are left out, each said through `refuse`.
 */
export function decodeKept(
  campaignId: string,
  kept: ReadonlyMap<number, Buffer>,
  refuse: (why: string) => void,
): Map<number, TrialPredictions> {
  const out = new Map<number, TrialPredictions>();
  for (const [n, bytes] of kept) {
    try {
      out.set(
        n,
        decodePredictions(bytes, `the predictions of trial ${n} of campaign ${campaignId}`),
      );
    } catch (error) {
      refuse(`${(error as Error).message}: trial ${n} is left out of the ensemble`);
    }
  }
  return out;
}

/** Completed search trials (no re-evaluation, no stretch) with a finite value, best first. */
export function searchTrialsByValue(
  trials: readonly TrialRecord[],
  metric: MetricSpec,
): TrialRecord[] {
  const sign = gainSign(metric.direction);
  return trials
    .filter(
      (t) =>
        t.state === 'completed' &&
        typeof t.value === 'number' &&
        Number.isFinite(t.value) &&
        t.source !== CONFIRM_SOURCE &&
        t.foldSeed === undefined &&
        !t.segment,
    )
    .sort((a, b) => sign * (b.value! - a.value!) || a.number - b.number);
}

/**
 * The trials whose predictions the campaign no longer needs: all but the best
 * MAX_ENSEMBLE_CANDIDATES search trials and the re-evaluations. Only trials `trials` shows as
 * finished are dropped: one that finished after that read is judged on the next.
 */
export function predictionsToDrop(
  kept: readonly number[],
  trials: readonly TrialRecord[],
  metric: MetricSpec,
): number[] {
  const keep = new Set(
    searchTrialsByValue(trials, metric)
      .slice(0, MAX_ENSEMBLE_CANDIDATES)
      .map((t) => t.number),
  );
  const finished = new Set<number>();
  for (const t of trials) {
    if (t.foldSeed !== undefined) keep.add(t.number);
    if (FINISHED_TRIAL.includes(t.state)) finished.add(t.number);
  }
  return kept.filter((n) => finished.has(n) && !keep.has(n));
}

function membersOf(candidates: readonly TrialRecord[], weights: readonly number[]) {
  return candidates
    .map((t, i) => ({
      trial: t.number,
      config: t.config,
      ...(t.seed !== undefined ? { seed: t.seed } : {}),
      weight: weights[i]!,
    }))
    .filter((m) => m.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.trial - b.trial);
}

function describeMembers(members: readonly { trial: number; weight: number }[]): string {
  return members.map((m) => `#${m.trial} (${formatNumber(m.weight)})`).join(', ');
}
