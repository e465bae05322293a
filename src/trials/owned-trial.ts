import type { TrialRecord, TrialState } from '../contracts/trial-record.ts';
import type { TrialStore } from './trial-store.ts';

/**
 * A trial as one attempt holds it: each change applies only while the record still carries this
 * attempt's token, so an attempt that lost its job cannot write beside its successor.
 */
export class OwnedTrial {
  constructor(
    private readonly store: TrialStore,
    readonly campaignId: string,
    readonly trial: number,
    private readonly token: string,
  ) {}

  /** The attempt's token (the curve's appends carry it too). */
  get attemptToken(): string {
    return this.token;
  }

  transition(
    from: readonly TrialState[],
    to: TrialState,
    patch: Partial<TrialRecord> = {},
  ): Promise<TrialRecord | null> {
    return this.store.updateTrial(this.campaignId, this.trial, (t) =>
      t.attemptToken === this.token && from.includes(t.state)
        ? { ...t, ...patch, state: to }
        : null,
    );
  }
}
