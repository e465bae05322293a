import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/usage-error.ts';
import { InvalidCampaignRequestError } from '../../src/contracts/campaign-request.ts';
import { InvalidStoredRecordError } from '../../src/contracts/campaign-records.ts';
import { ExpectedFailure } from '../../src/errors/expected-failure.ts';
import { ERROR_CODES, LgtError } from '../../src/errors/lgt-error.ts';
import { RequestError } from '../../src/errors/request-error.ts';
import { InvalidConfigError } from '../../src/search-space/search-space.ts';

describe('one error base, one table of what each code answers', () => {
  it('answers a wrong request with exit status 2 and a 4xx, a failure with 1, and no 500 but one', () => {
    for (const [code, { exit, http }] of Object.entries(ERROR_CODES)) {
      // Redis holding what lgt did not write is the one 500 besides a bug; a missing service 503.
      if (code === 'invalid-record') expect(http).toBe(500);
      else if (code === 'unavailable') expect(http).toBe(503);
      else expect(http >= 400 && http < 500, `${code} ${http}`).toBe(true);
      if (exit === 2) expect(http >= 400 && http < 500, `${code} ${http}`).toBe(true);
    }
  });

  it("every layer's error is an LgtError whose code says what lgt and the API answer", () => {
    const cases: [LgtError, number, number][] = [
      [new RequestError('no such task'), 2, 400],
      [new UsageError('--trials must be a number'), 2, 400],
      [new InvalidConfigError([{ field: 'lr', message: 'lr must be at most 1' }]), 2, 400],
      [
        new InvalidCampaignRequestError([{ field: 'maxTrials', message: 'must be at least 1' }]),
        2,
        400,
      ],
      [new ExpectedFailure('no Redis answers at redis://127.0.0.1:1'), 1, 503],
      [new ExpectedFailure('no campaign x', 'not-found'), 1, 404],
      [new ExpectedFailure('campaign x is completed', 'not-running'), 1, 409],
      [new InvalidStoredRecordError('campaign x', ['status: invalid']), 1, 500],
    ];
    for (const [error, exit, http] of cases) {
      expect(error, error.name).toBeInstanceOf(LgtError);
      expect([error.exitStatus, error.httpStatus], error.name).toEqual([exit, http]);
    }
    // A request's fields travel with it, for the API's answer and the flags the CLI names.
    expect(
      new InvalidCampaignRequestError([{ field: 'maxTrials', message: 'must be at least 1' }])
        .fields,
    ).toEqual([{ field: 'maxTrials', message: 'must be at least 1' }]);
  });
});
