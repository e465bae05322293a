import type { BranchVerdictReply } from './agent-schemas.ts';
import { RULES_META, type AgentAnswer } from './agent-types.ts';
import { formatValue as fmt } from './campaign-digest.ts';
import type { BranchJudge, BranchJudgeInput } from './in-run-agent-types.ts';
import { gainSign } from '../src/maths/direction.ts';

/**
 * The Evaluator's stand-in for in-run decisions: the change is accepted when its branch ends
 * better than the no-change branch by more than the run's epoch-to-epoch noise (by anything while
 * the noise is not yet known), rejected otherwise. Validation data only.
 */
export class RuleBasedBranchJudge implements BranchJudge {
  async judge(input: BranchJudgeInput): Promise<AgentAnswer<BranchVerdictReply>> {
    const metric = input.task.metric;
    const sign = gainSign(metric.direction);
    const gain = sign * (input.change.value - input.keep.value);
    const noise = input.noise ?? 0;
    const accept = gain > noise;
    const noiseText = input.noise === null ? 'noise not measured yet' : `noise ${fmt(input.noise)}`;
    return {
      output: {
        accept,
        reason: `with ${input.described}: val ${metric.name} ${fmt(input.change.value)} vs ${fmt(input.keep.value)} without (${gain >= 0 ? 'better' : 'worse'} by ${fmt(Math.abs(gain))}, ${noiseText})${accept ? '' : gain > 0 ? ': within the noise' : ''}`,
      },
      meta: RULES_META,
      summary: `#${input.change.trial} vs #${input.keep.trial}`,
    };
  }
}
