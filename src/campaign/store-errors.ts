import { LgtError } from '../errors/lgt-error.ts';
import { STORE_VERSION } from './store-keys.ts';

/** A write refused because a newer driver has claimed the campaign. */
export class FencedOutError extends LgtError {
  constructor(campaignId: string) {
    super(
      'superseded',

      `campaign ${campaignId} is driven by a newer driver: this one lost its job and stops without writing`,
    );
    this.name = 'FencedOutError';
  }
}

/**
 * A campaign another version of lgt's store wrote (an older lgt's, before records were their
 * schemas, has no version at all): refused rather than read half right.
 */
export class OtherStoreVersionError extends LgtError {
  constructor(id: string, version: string | null, keys: string) {
    super(
      'other-version',
      `campaign ${id} was written by ${version ? `store version ${version}` : 'an lgt from before store versions (version 1)'}; this lgt reads store version ${STORE_VERSION}. Finish or read it with the lgt that started it, or remove its keys (${keys}); lgt list skips it and says so`,
    );
    this.name = 'OtherStoreVersionError';
  }
}

/** A trial refused because the campaign already has as many as its budget allows. */
export class TrialBudgetSpentError extends LgtError {
  constructor(campaignId: string, maxTrials: number) {
    super(
      'budget-spent',
      `campaign ${campaignId} already has its ${maxTrials} trials: no more are added`,
    );
    this.name = 'TrialBudgetSpentError';
  }
}
