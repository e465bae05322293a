import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/search-space/search-space.ts';
import {
  DEFAULT_SOURCE,
  DefaultFirstStrategy,
} from '../../src/strategies/default-first-strategy.ts';
import type { Proposal, Strategy } from '../../src/strategies/strategy.ts';

/** A strategy that offers the same configurations every time: the default among them. */
function offering(configs: Config[]): Strategy {
  return {
    name: 'fixed',
    propose: async (_history, count) =>
      configs.slice(0, count).map((config) => ({ config, reason: 'offered' })),
  };
}

const defaults: Config = { lr: 0.001, units: 64 };
const other: Config = { lr: 0.01, units: 32 };

function configs(proposals: Proposal[]): Array<[Config, string | undefined]> {
  return proposals.map((p) => [p.config, p.source]);
}

describe('DefaultFirstStrategy', () => {
  it("puts the default first, and drops the wrapped strategy's proposal equal to it", async () => {
    const s = new DefaultFirstStrategy(offering([{ units: 64, lr: 0.001 }, other]), defaults);
    expect(configs(await s.propose([], 3))).toEqual([
      [defaults, DEFAULT_SOURCE],
      [other, undefined],
    ]);
  });

  it('keeps a proposal equal to a hidden default: an in-run control is a plain run beside it', async () => {
    // --continue-best can start a steered run from the default; the control's plain run of the
    // same configuration is not that run, so dropping it lost a start (seen in CI).
    const s = new DefaultFirstStrategy(offering([defaults, other]), defaults, { hidden: true });
    expect(configs(await s.propose([], 3))).toEqual([
      [defaults, DEFAULT_SOURCE],
      [defaults, undefined],
      [other, undefined],
    ]);
  });
});
