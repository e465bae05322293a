import { LgtError } from '../errors/lgt-error.ts';
import type { CampaignOverview } from '../contracts/campaign-overview.ts';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import type { CampaignReport } from '../contracts/campaign-report.ts';
import type { CampaignStatus } from '../contracts/campaign-record.ts';

export interface EventsOptions {
  /** Only events after this id (resuming); default: from the campaign's first event. */
  after?: string;
  signal?: AbortSignal;
}

/**
 * A campaign seen from a script, the same whether it runs in this process (`startCampaign`) or
 * on a server (`LgtClient`).
 */
export interface CampaignHandle {
  readonly id: string;
  /** The campaign's events as they happen (the agent log and trial progress), until it ends. */
  events(options?: EventsOptions): AsyncIterable<LoggedEvent>;
  /** Status, trials by state, budgets used, running trials and their epochs. */
  status(): Promise<CampaignOverview>;
  /** Stops it: waiting trials are dropped, running ones stop between epochs. */
  cancel(): Promise<void>;
  /** Waits for the campaign to end and answers its report (what report.json holds). */
  result(): Promise<CampaignReport>;
  /** Lets go of what the handle holds (connections; in-process workers). */
  close(): Promise<void>;
}

/** The campaign ended without a report (it failed or was cancelled before any trial finished). */
export class CampaignEndedWithoutReport extends LgtError {
  constructor(
    readonly campaignId: string,
    readonly status: CampaignStatus,
    readonly reason: string | undefined,
  ) {
    super(
      'no-report',
      `campaign ${campaignId} ended ${status} without a report${reason ? `: ${reason}` : ''}`,
    );
    this.name = 'CampaignEndedWithoutReport';
  }
}
