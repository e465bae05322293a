import type { CampaignRequest } from '../contracts/campaign-request.ts';

/**
 * What each of a campaign's scores is called, everywhere they are shown (the summary, `lgt
 * status`, the report, the dashboard's copy in app.js): a best trial has three numbers, and
 * calling them all "validation" hid which one the campaign chose by.
 * - selected by: the trial's value, the mean over its folds when the campaign cross-validates,
 *   else its validation split's score; what the search compared;
 * - retrain validation: the best configuration trained once more on the training split, scored
 *   on the validation split;
 * - test: that retrain on the test split, the one time it is scored.
 */
export function selectionScoreName(request: Pick<CampaignRequest, 'cv'>, metric: string): string {
  const folds = request.cv ?? 1;
  return folds > 1 ? `${metric}, mean of ${folds} folds` : `validation ${metric}`;
}
