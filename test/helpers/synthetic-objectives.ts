import type { TrialRecord, TrialState } from '../../src/contracts/trial-record.ts';
import { choice, float, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import type { Proposal } from '../../src/strategies/strategy.ts';

/**
 * Cheap objectives with known optima for strategy tests: a shifted quadratic in log space over a
 * learning rate, a width and a dropout, plus 1.5 for any activation but "elu" when the space has
 * one. Its minimum, 0, is at the chosen optimum.
 */
export const numericSpace = new SearchSpace({
  lr: float(1e-5, 1, { log: true, default: 1e-3, area: 'training', description: '' }),
  width: int(2, 512, { log: true, default: 16, area: 'architecture', description: '' }),
  dropout: float(0, 0.7, { default: 0, area: 'regularization', description: '' }),
});

export const mixedSpace = new SearchSpace({
  ...numericSpace.defs,
  act: choice(['relu', 'tanh', 'elu', 'sigmoid'], {
    default: 'relu',
    area: 'architecture',
    description: '',
  }),
});

export interface Optimum {
  lr: number;
  width: number;
  dropout: number;
}

/** Near the centre of the space, and far from it (and from the defaults). */
export const NEAR: Optimum = { lr: 3e-3, width: 64, dropout: 0.2 };
export const FAR: Optimum = { lr: 1e-4, width: 256, dropout: 0.6 };

export function quadratic(c: Config, at: Optimum = NEAR): number {
  const lr = Math.log10(c['lr'] as number) - Math.log10(at.lr);
  const width = Math.log2(c['width'] as number) - Math.log2(at.width);
  const dropout = ((c['dropout'] as number) - at.dropout) * 5;
  const act = 'act' in c && c['act'] !== 'elu' ? 1.5 : 0;
  return lr * lr + 0.5 * width * width + dropout * dropout + act;
}

/** A trial record for a proposal, as the campaign store would hold it. */
export function trialOf(
  number: number,
  p: Proposal,
  state: TrialState,
  value?: number | null,
  source = 'test',
): TrialRecord {
  return {
    number,
    state,
    config: p.config,
    reason: p.reason,
    source: p.source ?? source,
    proposedAt: 0,
    attempts: 1,
    ...(p.meta ? { meta: p.meta } : {}),
    ...(value !== undefined ? { value } : {}),
  };
}
