import type { BestTrial } from '../contracts/campaign-record.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import type { TrialStore } from './trial-store.ts';
import { type Direction, gainSign } from '../maths/direction.ts';

/** A trial as the campaign's best records it, with the value it is the best by. */
export function bestOf(
  t: Pick<TrialRecord, 'number' | 'config' | 'seed'>,
  value: number,
): BestTrial {
  return {
    trial: t.number,
    value,
    config: t.config,
    ...(t.seed !== undefined ? { seed: t.seed } : {}),
  };
}

/**
 * Whether result `a` beats `b`. A tie goes to the earlier trial, whichever finished first: the
 * best does not depend on which worker was quicker, and a tie with the default (trial 1) is no
 * gain over it.
 */
export function beats(
  a: { trial: number; value: number },
  b: { trial: number; value: number },
  direction: Direction,
): boolean {
  const sign = gainSign(direction);
  return sign * (a.value - b.value) > 0 || (a.value === b.value && a.trial < b.trial);
}

/**
 * Offers a completed trial as the campaign's best: written, with its `best.improved` event,
 * only when it beats the recorded best (compare-and-set, so concurrent offers keep the better).
 * The worker that finished the trial offers it; the driver offers the best of all trials before
 * it finishes, in case a worker died between writing its trial and offering it.
 */
export async function offerBest(
  store: TrialStore,
  campaignId: string,
  direction: Direction,
  candidate: BestTrial,
): Promise<boolean> {
  let previous: number | null = null;
  const updated = await store.updateCampaign(campaignId, (c) => {
    if (c.best && !beats(candidate, c.best, direction)) return null;
    previous = c.best?.value ?? null;
    return {
      ...c,
      best: {
        trial: candidate.trial,
        value: candidate.value,
        config: candidate.config,
        ...(candidate.seed !== undefined ? { seed: candidate.seed } : {}),
      },
    };
  });
  if (!updated) return false;
  await store.appendEvent(campaignId, {
    type: 'best.improved',
    trial: candidate.trial,
    value: candidate.value,
    previous,
    config: candidate.config,
  });
  return true;
}
