import type { CampaignRecord } from '../contracts/campaign-record.ts';

/** Whether the campaign asks its running trials to stop (a cancel, or a budget that ran out). */
export function stopRequested(c: CampaignRecord): boolean {
  return c.status === 'cancelling' || c.status === 'cancelled' || c.stopReason !== undefined;
}
