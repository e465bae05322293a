import { AshaPruner } from './asha-pruner.ts';
import type { CampaignRequest, PrunerOptions } from '../contracts/campaign-request.ts';
import { MedianPruner } from './median-pruner.ts';
import type { Pruner } from './pruner.ts';
import type { Direction } from '../maths/direction.ts';

/** The pruner a campaign asked for, with its options (defaults where it gave none); null: none. */
export function createPruner(
  name: CampaignRequest['pruner'],
  direction: Direction,
  options: PrunerOptions = {},
): Pruner | null {
  switch (name) {
    case 'median':
      return new MedianPruner(direction, options.minTrials, options.warmupEpochs);
    case 'asha':
      return new AshaPruner(direction, {
        ...(options.minEpochs !== undefined ? { minEpochs: options.minEpochs } : {}),
        ...(options.reductionFactor !== undefined
          ? { reductionFactor: options.reductionFactor }
          : {}),
      });
    case 'none':
      return null;
  }
}
