import { orNaN } from '../src/maths/finite.ts';
import type { Config, NamedParam } from '../src/search-space/search-space.ts';
import { describeChange, inRunParams } from '../src/strategies/in-run-params.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';
import type { InRunChangeReply } from './agent-schemas.ts';
import { RULES_META, type AgentAnswer } from './agent-types.ts';
import { curveTrend } from './campaign-digest.ts';
import type { InRunAdviceInput, InRunAdvisor } from './in-run-agent-types.ts';

type Diagnosis = 'overfitting' | 'stalled' | 'improving';

/** A change a rule may propose: a new value for one or two mid-run dimensions, or nothing. */
type Move = (config: Config, params: Map<string, NamedParam>) => Config | null;

/** A number scaled within its range (null when the dimension is absent or already at the edge). */
const scale =
  (name: string, factor: number): Move =>
  (config, params) => {
    const p = params.get(name);
    if (!p || p.kind === 'choice') return null;
    const now = Number(config[name] ?? p.default);
    const next = Math.min(p.high, Math.max(p.low, now * factor));
    const value = p.kind === 'int' ? Math.round(next) : Number(next.toPrecision(4));
    return value === now ? null : { [name]: value };
  };

/** A number raised by a step (dropout +0.2), within its range. */
const raise =
  (name: string, step: number): Move =>
  (config, params) => {
    const p = params.get(name);
    if (!p || p.kind === 'choice') return null;
    const now = Number(config[name] ?? p.default);
    const value = Number(Math.min(p.high, now + step).toFixed(4));
    return value === now ? null : { [name]: value };
  };

/** A choice set to a value it may take (null when it has it already). */
const set =
  (name: string, value: string, extra: Config = {}): Move =>
  (config, params) => {
    const p = params.get(name);
    if (!p || p.kind !== 'choice' || !p.choices.includes(value) || config[name] === value)
      return null;
    return { [name]: value, ...extra };
  };

/**
 * The moves worth a try for each diagnosis, best first. A run with plain SGD gains most from
 * Adam (as in the LGT paper's runs); a stalled one from a changed step size; an overfitting one
 * from regularization; an improving one from a bolder step.
 */
const MOVES: Record<Diagnosis, Move[]> = {
  stalled: [
    set('optimizer', 'adam'),
    scale('learningRate', 3),
    scale('learningRate', 0.3),
    set('lrSchedule', 'cosine'),
    scale('batchSize', 0.5),
  ],
  improving: [
    set('optimizer', 'adam'),
    scale('learningRate', 2),
    scale('batchSize', 0.5),
    scale('learningRate', 0.5),
  ],
  overfitting: [
    raise('dropout', 0.2),
    set('penalty', 'l2', { penaltyWeight: 1e-4 }),
    scale('learningRate', 0.5),
    raise('shift', 1),
  ],
};

function diagnose(curve: readonly EpochRecord[]): Diagnosis {
  const trend = curveTrend(curve);
  if (trend.startsWith('overfitting')) return 'overfitting';
  const last = curve.at(-1);
  const before = curve.at(-2);
  // Less than 1% lower training loss over the last epoch: the run has stalled.
  if (!last || !before || orNaN(last.loss) > orNaN(before.loss) * 0.99) return 'stalled';
  return 'improving';
}

/**
 * The in-run Advisor's stand-in when no LLM is configured: reads the run's curve (stalled,
 * improving, overfitting) and proposes the first move for it not tried at this point nor
 * rejected just before. It says it is rules, not an LLM.
 */
export class RuleBasedInRunAdvisor implements InRunAdvisor {
  async proposeChange(input: InRunAdviceInput): Promise<AgentAnswer<InRunChangeReply>> {
    const params = new Map(inRunParams(input.task.space).map((p) => [p.name, p]));
    const diagnosis = diagnose(input.curve);
    const recentlyRejected = new Set(
      input.tried.filter((t) => t.verdict === 'rejected').map((t) => t.change),
    );
    let change: Config = {};
    for (const move of [...MOVES[diagnosis], ...Object.values(MOVES).flat()]) {
      const candidate = move(input.config, params);
      if (!candidate) continue;
      const described = describeChange(input.config, { ...input.config, ...candidate });
      if (recentlyRejected.has(described)) continue;
      change = candidate;
      break;
    }
    const described = describeChange(input.config, { ...input.config, ...change });
    return {
      output: {
        analysis: `epoch ${input.epoch} of ${input.totalEpochs}: ${curveTrend(input.curve)} (${diagnosis})`,
        change,
        reason: Object.keys(change).length
          ? `the run is ${diagnosis}: try ${described}`
          : 'every rule has been tried here: no change',
        expected_effect:
          diagnosis === 'overfitting'
            ? 'a smaller gap between training and validation loss'
            : 'a faster fall of the validation loss',
      },
      meta: RULES_META,
      summary: `epoch ${input.epoch}/${input.totalEpochs}, attempt ${input.attempt}, ${diagnosis}`,
    };
  }
}
