import { AshaPruner, ParetoAshaPruner } from './asha-pruner.ts';
import type { CampaignRequest, PrunerOptions } from '../contracts/campaign-request.ts';
import { MedianPruner } from './median-pruner.ts';
import { ParetoMedianPruner } from './pareto-median-pruner.ts';
import type { ObjectiveSet } from '../trade-offs/objective-set.ts';
import type { Pruner } from './pruner.ts';
import type { Direction } from '../maths/direction.ts';

/** The pruner a campaign asked for, with its options (defaults where it gave none); null: none. */
export function createPruner(
  name: CampaignRequest['pruner'],
  direction: Direction,
  options: PrunerOptions = {},
  objectives?: ObjectiveSet,
): Pruner | null {
  switch (name) {
    case 'median':
      // Several objectives: the median rule generalized (see ParetoMedianPruner).
      return objectives?.isMulti
        ? new ParetoMedianPruner(objectives, direction, options.minTrials, options.warmupEpochs)
        : new MedianPruner(direction, options.minTrials, options.warmupEpochs);
    case 'asha': {
      const asha = {
        ...(options.minEpochs !== undefined ? { minEpochs: options.minEpochs } : {}),
        ...(options.reductionFactor !== undefined
          ? { reductionFactor: options.reductionFactor }
          : {}),
      };
      // Several objectives: rungs ranked by front and crowding (see ParetoAshaPruner).
      return objectives?.isMulti
        ? new ParetoAshaPruner(objectives, direction, asha)
        : new AshaPruner(direction, asha);
    }
    case 'none':
      return null;
  }
}
