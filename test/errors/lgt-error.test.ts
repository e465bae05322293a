import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/usage-error.ts';
import { InvalidCampaignRequestError } from '../../src/contracts/campaign-request.ts';
import { InvalidStoredRecordError } from '../../src/contracts/stored-record.ts';
import { ExpectedFailure } from '../../src/errors/expected-failure.ts';
import { ERROR_CODES, LgtError } from '../../src/errors/lgt-error.ts';
import { RequestError } from '../../src/errors/request-error.ts';
import { TradeOffSyntaxError } from '../../src/contracts/trade-off.ts';
import { InvalidConfigError } from '../../src/search-space/search-space.ts';
import { SpaceFileError } from '../../src/search-space/space-file.ts';
import { RowError } from '../../src/task-kinds/tabular/tabular-encoding.ts';
import {
  FencedOutError,
  OtherStoreVersionError,
  TrialBudgetSpentError,
} from '../../src/campaign/store-errors.ts';
import {
  TrialHandedBack,
  TrialJobRefused,
  TrialNotAllowedHere,
} from '../../src/trials/trial-runner.ts';
import { DriverHandedBack } from '../../src/campaign/campaign-driver.ts';
import { LlmReplyError } from '../../src/llm/llm-client.ts';
import { NoLogprobsError } from '../../src/llm/label-decision.ts';
import { CampaignEndedWithoutReport } from '../../src/client/campaign-handle.ts';
import { LgtApiError } from '../../src/client/lgt-client.ts';

describe('one error base, one table of what each code answers', () => {
  it('answers a wrong request with exit status 2 and a 4xx, a failure with 1, and no 500 but one', () => {
    for (const [code, { exit, http }] of Object.entries(ERROR_CODES)) {
      // Redis holding what lgt did not write is the one 500 besides a bug; what lgt waits on
      // answers 502 (an upstream's answer: an LLM endpoint, lgt serve) or 503 (not there now).
      if (code === 'invalid-record') expect(http).toBe(500);
      else if (['unavailable', 'handed-back'].includes(code)) expect(http).toBe(503);
      else if (['llm-reply', 'api-answer'].includes(code)) expect(http).toBe(502);
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
      [new SpaceFileError('space.yaml', ['lr: low must be below high']), 2, 400],
      [new RowError(3, 'age', '"x" is not a number'), 2, 400],
      [new TradeOffSyntaxError('objective "x" is not metric:direction'), 2, 400],
      [new OtherStoreVersionError('x', null, 'lgt:{x}:*'), 1, 409],
      [new FencedOutError('x'), 1, 409],
      [new TrialBudgetSpentError('x', 10), 1, 409],
      [new TrialHandedBack(3), 1, 503],
      [new TrialNotAllowedHere('no modules here'), 1, 403],
      [new TrialJobRefused('config differs'), 1, 409],
      [new DriverHandedBack(), 1, 503],
      [
        new LlmReplyError('not JSON', { promptTokens: 0, completionTokens: 0, totalTokens: 0 }),
        1,
        502,
      ],
      [new NoLogprobsError('http://127.0.0.1:1'), 1, 502],
      [new CampaignEndedWithoutReport('x', 'failed', 'boom'), 1, 404],
      [new LgtApiError(404, { error: 'not-found', message: 'no campaign x' }), 1, 502],
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
