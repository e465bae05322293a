import { describe, expect, it } from 'vitest';
import {
  InvalidCampaignRequestError,
  parseCampaignRequest,
} from '../../src/contracts/campaign-request.ts';
import { describeRequestError } from '../../src/cli/request-flags.ts';

const valid = {
  task: { kind: 'builtin', name: 'iris' },
  strategy: 'random',
  maxTrials: 10,
  parallel: 2,
  seed: 0,
  splitSeed: 0,
  pruner: 'none',
  outputDir: '/tmp',
};

describe('campaign requests', () => {
  it('name the fields that are wrong; the command line says the flags that set them', () => {
    const error = (() => {
      try {
        parseCampaignRequest({
          ...valid,
          strategy: 'bayes',
          maxTrials: 0,
          llmBudget: { tokens: 1.5 },
          task: { kind: 'csv', file: 'x.csv', target: '' },
        });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidCampaignRequestError);
    const fields = (error as InvalidCampaignRequestError).fields;
    expect(fields).toContainEqual({
      field: 'strategy',
      message: expect.stringMatching(/^must be one of auto, random, grid, .* \(got "bayes"\)$/),
    });
    expect(fields).toContainEqual({ field: 'maxTrials', message: 'must be at least 1' });
    expect(fields).toContainEqual({ field: 'llmBudget.tokens', message: 'must be a whole number' });
    expect(fields.map((f) => f.field)).toContain('task.target');
    // The service speaks fields, the command line flags.
    expect((error as Error).message).toContain('  - maxTrials must be at least 1');
    const cli = describeRequestError(error as InvalidCampaignRequestError);
    expect(cli).toContain('  - --trials must be at least 1');
    expect(cli).toContain('  - --llm-tokens must be a whole number');
    expect(cli).toContain('  - --target must name a column');
    expect(parseCampaignRequest(valid).maxTrials).toBe(10);
  });
});
