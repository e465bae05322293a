import { formatNumber } from '../format/display-format.js';
import type { MetricSpec } from '../task-kinds/task.ts';
import { DEFAULT_SOURCE } from '../strategies/default-first-strategy.ts';
import {
  CONFIRM_SOURCE,
  confirmationBudget,
  confirmationsOf,
  heldWinner,
  type Confirmation,
} from '../strategies/confirming-strategy.ts';
import type { CampaignRequest } from '../contracts/campaign-request.ts';
import type { DefaultComparison } from '../contracts/campaign-report.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { standardError } from '../stats/standard-error.ts';
import { gainSign } from '../maths/direction.ts';

/**
 * Compares the campaign's result with the default trial (see DefaultFirstStrategy); null when
 * the campaign has no finished default trial. "Beat the default" is said only on evidence the
 * search did not select on: a cross-validated campaign's re-evaluation on fresh folds (see
 * ConfirmingStrategy), judged by the corrected resampled t-test. Otherwise the gain on the
 * scores the best was chosen by is reported as what it is: not confirmed, and partly luck.
 */
export function compareWithDefault(
  trials: readonly TrialRecord[],
  metric: MetricSpec,
  request?: Pick<CampaignRequest, 'cv' | 'maxTrials' | 'mode'>,
  /** In-run modes: the trial that ends the result's run (the campaign's best). */
  result?: number,
): DefaultComparison | null {
  const finite = (t: TrialRecord) =>
    typeof t.value === 'number' && Number.isFinite(t.value) && t.source !== CONFIRM_SOURCE;
  const byDefault = trials.find((t) => t.source === DEFAULT_SOURCE && finite(t));
  if (!byDefault) return null;
  if (request && request.mode !== 'search') {
    const end = trials.find((t) => t.number === result && finite(t));
    return end ? runAgainstDefault(end, byDefault, metric) : null;
  }
  const folds = request?.cv ?? 1;
  const reserve = request && folds > 1 ? confirmationBudget(request.maxTrials) : 0;
  const confirmations =
    reserve >= 2 ? confirmationsOf(trials, { direction: metric.direction, folds, reserve }) : null;
  if (confirmations) return onFreshFolds(trials, metric, confirmations, byDefault);
  const sign = gainSign(metric.direction);
  const best = trials
    .filter(finite)
    .reduce((a, b) => (sign * (b.value! - a.value!) > 0 ? b : a), byDefault);
  const gain = sign * (best.value! - byDefault.value!);
  const noise = foldNoise(best, byDefault) ?? seedSpread(trials);
  const name = metric.name;
  const fmt = formatNumber;
  const unconfirmed =
    folds > 1
      ? 'not confirmed on fresh folds (campaigns of 10 trials or more re-evaluate their best), so part of it may be the luck of being the best of many'
      : 'not confirmed on evidence the search did not select on (cross-validated campaigns re-evaluate their best on fresh folds), so part of it may be the luck of being the best of many';
  const verdict =
    best === byDefault
      ? `the default configuration (#${byDefault.number}) is the best found: no configuration beat it`
      : noise !== null && gain <= noise
        ? `no configuration beat the default by more than the noise: #${best.number} ${name} ${fmt(best.value!)} against the default's ${fmt(byDefault.value!)}, a gain of ${fmt(gain)} within the noise of ${fmt(noise)}`
        : `#${best.number} scored ${fmt(gain)} ${name} better than the default (${fmt(best.value!)} against ${fmt(byDefault.value!)})${noise !== null ? `, more than the noise of ${fmt(noise)}` : ''}; ${unconfirmed}`;
  return {
    defaultTrial: byDefault.number,
    defaultValue: byDefault.value!,
    bestTrial: best.number,
    bestValue: best.value!,
    gain,
    noise,
    evidence: 'selection',
    verdict,
  };
}

/**
 * The verdict on the re-evaluation: the campaign's pick (the candidate whose advantage held,
 * else the default) against the default on the same fresh folds.
 */
function onFreshFolds(
  trials: readonly TrialRecord[],
  metric: MetricSpec,
  confirmations: Confirmation[],
  byDefault: TrialRecord,
): DefaultComparison {
  const fmt = formatNumber;
  const name = metric.name;
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const foldsOf = (n: number) => trials.find((t) => t.number === n)!.foldValues!;
  const control = confirmations.find((c) => c.test === null)!;
  const tested = confirmations.filter((c) => c.test !== null);
  const winner = heldWinner(confirmations);
  const pick =
    winner ??
    tested.reduce<Confirmation | null>((a, b) => (!a || b.test!.mean > a.test!.mean ? b : a), null);
  const cost = `the re-evaluation trained ${confirmations.length} of the campaign's ${trials.length} trials`;
  const defaultFresh = mean(foldsOf(control.confirmTrial));
  if (!pick) {
    return {
      defaultTrial: byDefault.number,
      defaultValue: defaultFresh,
      bestTrial: byDefault.number,
      bestValue: defaultFresh,
      gain: 0,
      noise: null,
      evidence: 'fresh-folds',
      verdict: `no other configuration finished its re-evaluation: the single pick is the default (#${byDefault.number}) (${cost})`,
    };
  }
  const test = pick.test!;
  const folds = foldsOf(pick.confirmTrial).length;
  const compared = Math.round(0.05 / (1 - test.confidence));
  const level = `${formatNumber(test.confidence * 100)}% lower bound`;
  const numbers = `${fmt(test.mean)} ${name} on ${folds} fresh folds (${level} ${fmt(test.lower)}, p = ${fmt(test.p)}, corrected resampled t-test${compared > 1 ? `; ${compared} configurations compared with the default, so 95% corrected for them (Bonferroni)` : ''})`;
  return {
    defaultTrial: byDefault.number,
    defaultValue: defaultFresh,
    bestTrial: pick.searchTrial,
    bestValue: mean(foldsOf(pick.confirmTrial)),
    gain: test.mean,
    noise: test.se,
    pValue: test.p,
    lowerBound: test.lower,
    evidence: 'fresh-folds',
    verdict: winner
      ? `#${pick.searchTrial} beat the default by ${numbers}, on folds the search did not select on; ${cost}`
      : `no configuration beat the default on fresh folds: the best, #${pick.searchTrial}, differed by ${numbers}, within the noise, so the single pick is the default (#${byDefault.number}); ${cost}`,
  };
}

/**
 * An in-run campaign's run against its control (DefaultFirstStrategy, hidden): the default trained as
 * one plain run of the same epochs. Both are scores on the validation split the run's changes
 * were judged on, so a lead is reported, not claimed as confirmed.
 */
function runAgainstDefault(
  end: TrialRecord,
  byDefault: TrialRecord,
  metric: MetricSpec,
): DefaultComparison {
  const fmt = formatNumber;
  const sign = gainSign(metric.direction);
  const gain = sign * (end.value! - byDefault.value!);
  const numbers = `${metric.name} ${fmt(end.value!)} at the run's end (#${end.number}) against ${fmt(byDefault.value!)} for the default trained as one plain run of the same epochs (#${byDefault.number})`;
  return {
    defaultTrial: byDefault.number,
    defaultValue: byDefault.value!,
    bestTrial: end.number,
    bestValue: end.value!,
    gain,
    noise: null,
    evidence: 'selection',
    verdict:
      gain > 0
        ? `${numbers}: ahead by ${fmt(gain)}, on the validation split the run's changes were judged on, so not confirmed`
        : gain === 0
          ? `${numbers}: the same`
          : `${numbers}: the default alone did better by ${fmt(-gain)}`,
  };
}

/** The standard error of the difference of two cross-validated means, or null. */
function foldNoise(a: TrialRecord, b: TrialRecord): number | null {
  if (!a.foldValues || !b.foldValues || a.foldValues.length < 2 || b.foldValues.length < 2)
    return null;
  return Math.hypot(standardError(a.foldValues), standardError(b.foldValues));
}

/** The largest spread of one configuration trained with two seeds, or null (none repeated). */
function seedSpread(trials: readonly TrialRecord[]): number | null {
  const byConfig = new Map<string, number[]>();
  for (const t of trials) {
    if (typeof t.value !== 'number' || !Number.isFinite(t.value)) continue;
    const key = JSON.stringify(t.config);
    byConfig.set(key, [...(byConfig.get(key) ?? []), t.value]);
  }
  let spread: number | null = null;
  for (const values of byConfig.values()) {
    if (values.length < 2) continue;
    const s = Math.max(...values) - Math.min(...values);
    spread = Math.max(spread ?? 0, s);
  }
  return spread;
}
