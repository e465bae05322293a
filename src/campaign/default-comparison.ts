import { formatNumber } from '../format/format-number.ts';
import type { MetricSpec } from '../tasks/task.ts';
import { DEFAULT_SOURCE } from '../strategies/default-first-strategy.ts';
import type { DefaultComparison, TrialRecord } from '../contracts/campaign-records.ts';
import { standardError } from '../stats/standard-error.ts';

/**
 * Compares the best finished trial with the default trial (see DefaultFirstStrategy); null when
 * the campaign has no finished default trial.
 */
export function compareWithDefault(
  trials: readonly TrialRecord[],
  metric: MetricSpec,
): DefaultComparison | null {
  const finite = (t: TrialRecord) => typeof t.value === 'number' && Number.isFinite(t.value);
  const byDefault = trials.find((t) => t.source === DEFAULT_SOURCE && finite(t));
  if (!byDefault) return null;
  const sign = metric.direction === 'maximize' ? 1 : -1;
  const best = trials
    .filter(finite)
    .reduce((a, b) => (sign * (b.value! - a.value!) > 0 ? b : a), byDefault);
  const gain = sign * (best.value! - byDefault.value!);
  const noise = foldNoise(best, byDefault) ?? seedSpread(trials);
  const name = metric.name;
  const fmt = formatNumber;
  const verdict =
    best === byDefault
      ? `the default configuration (#${byDefault.number}) is the best found: no configuration beat it`
      : noise !== null && gain <= noise
        ? `no configuration beat the default by more than the noise: #${best.number} ${name} ${fmt(best.value!)} against the default's ${fmt(byDefault.value!)}, a gain of ${fmt(gain)} within the noise of ${fmt(noise)}`
        : `#${best.number} beat the default by ${fmt(gain)} ${name} (${fmt(best.value!)} against ${fmt(byDefault.value!)})${noise !== null ? `, more than the noise of ${fmt(noise)}` : '; the noise was not measured (--cv or strategy lgt measure it), so a small gain may be luck of the split'}`;
  return {
    defaultTrial: byDefault.number,
    defaultValue: byDefault.value!,
    bestTrial: best.number,
    bestValue: best.value!,
    gain,
    noise,
    verdict,
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
