import type { ChoiceValue } from '../src/search-space/param.ts';
import type { Config, SearchSpace } from '../src/search-space/search-space.ts';
import { configKey } from '../src/strategies/config-sampling.ts';
import type { AdvisorReply } from './agent-schemas.ts';
import { RULES_META, type AdvisorInput, type AgentAnswer, type Advisor } from './agent-types.ts';
import { bestOf, curveTrend, formatValue, type TrialView } from './campaign-digest.ts';

/** One change a rule suggests, with its reason and the effect it should have. */
interface Move {
  change: Config;
  reason: string;
  expected: string;
}

/** Clamps numbers into their dimension's range (and to integers) so a rule never leaves the space. */
function clamp(space: SearchSpace, name: string, value: number): number | undefined {
  const p = space.param(name);
  if (!p || p.kind === 'choice') return undefined;
  const v = Math.min(p.high, Math.max(p.low, value));
  return p.kind === 'int' ? Math.round(v) : Number(v.toPrecision(3));
}

function allows(space: SearchSpace, name: string, value: ChoiceValue): boolean {
  const p = space.param(name);
  return p?.kind === 'choice' && p.choices.includes(value);
}

/** Moves that fix what is plainly wrong with a configuration, whatever its results. */
function fixes(space: SearchSpace, c: Config): Move[] {
  const moves: Move[] = [];
  const set = (name: string, value: ChoiceValue, reason: string, expected: string) => {
    if (
      c[name] !== undefined &&
      c[name] !== value &&
      (allows(space, name, value) || space.param(name)?.kind !== 'choice')
    ) {
      moves.push({ change: { [name]: value }, reason, expected });
    }
  };
  if (c['scaling'] === 'none')
    set(
      'scaling',
      'standard',
      'features on very different scales make gradient steps lopsided',
      'faster, steadier convergence',
    );
  if (c['normalization'] === 'none')
    set(
      'normalization',
      'standard',
      'raw 0..255 pixels saturate the units',
      'faster, steadier convergence',
    );
  if (c['imputation'] === 'zero')
    set(
      'imputation',
      'median',
      'zero is far outside the range of most features',
      'less distortion from missing values',
    );
  if (c['targetTransform'] === 'none')
    set(
      'targetTransform',
      'standardize',
      'a raw target in large units dwarfs the initial outputs',
      'the model fits the target instead of its scale',
    );
  if (c['categoricalEncoding'] === 'ordinal')
    set(
      'categoricalEncoding',
      'onehot',
      'ordinal codes impose an order the categories do not have',
      'better use of categorical columns',
    );
  if (c['activation'] === 'sigmoid' || c['activation'] === 'tanh')
    set(
      'activation',
      'relu',
      'saturating activations slow learning in hidden layers',
      'larger gradients, faster training',
    );
  if (c['optimizer'] === 'sgd') {
    moves.push({
      change: { optimizer: 'adam', learningRate: 0.001 },
      reason: 'plain SGD at this rate converges slowly in few epochs',
      expected: 'much faster progress per epoch',
    });
  }
  const units = c['units1'];
  if (typeof units === 'number' && units < 16) {
    moves.push({
      change: { units1: clamp(space, 'units1', 64)! },
      reason: `${units} hidden units cannot represent the function`,
      expected: 'less underfitting',
    });
  }
  const dense = c['denseUnits'];
  if (typeof dense === 'number' && dense < 64) {
    moves.push({
      change: { denseUnits: clamp(space, 'denseUnits', 128)! },
      reason: `a dense layer of ${dense} units is a bottleneck`,
      expected: 'less underfitting',
    });
  }
  if (c['convBlocks'] === 0 && space.param('convBlocks')) {
    moves.push({
      change: { convBlocks: 2, filters: 16 },
      reason: 'no convolutions: the model ignores the spatial structure of images',
      expected: 'a large gain in accuracy',
    });
  }
  return moves;
}

/** Moves suggested by the shape of the best trial's learning curve. */
function curveMoves(space: SearchSpace, t: TrialView): Move[] {
  const c = t.config;
  const moves: Move[] = [];
  const lr = typeof c['learningRate'] === 'number' ? c['learningRate'] : undefined;
  const trend = curveTrend(t.curve);
  if (trend.startsWith('the loss diverged') && lr) {
    moves.push({
      change: { learningRate: clamp(space, 'learningRate', lr * 0.1)! },
      reason: 'the loss diverged: lower the learning rate',
      expected: 'a finite, falling loss',
    });
  }
  if (trend.startsWith('still improving')) {
    const epochs = c['epochs'];
    if (typeof epochs === 'number') {
      const more = clamp(space, 'epochs', epochs * 2);
      if (more !== undefined && more > epochs)
        moves.push({
          change: { epochs: more },
          reason: 'the validation curve was still improving at the last epoch',
          expected: 'a better score from training longer',
        });
    }
  }
  if (trend.startsWith('overfitting')) {
    const dropout = typeof c['dropout'] === 'number' ? c['dropout'] : 0;
    moves.push({
      change: {
        dropout: clamp(space, 'dropout', dropout + 0.2)!,
        ...(space.param('earlyStoppingPatience') ? { earlyStoppingPatience: 10 } : {}),
      },
      reason:
        'training loss far below validation loss, and validation loss rising: more regularization',
      expected: 'a smaller gap between training and validation',
    });
    if (c['penalty'] === 'none' && allows(space, 'penalty', 'l2')) {
      moves.push({
        change: { penalty: 'l2', penaltyWeight: 1e-4 },
        reason: 'overfitting: add weight decay',
        expected: 'smoother weights, better validation',
      });
    }
  }
  if (trend.startsWith('the training loss barely moved') && lr) {
    moves.push({
      change: { learningRate: clamp(space, 'learningRate', lr * 3)! },
      reason: 'the training loss barely moved: the learning rate is too small',
      expected: 'faster training',
    });
  }
  return moves;
}

/** Small steps around a configuration, when the rules have nothing left to say. */
function explorationMoves(space: SearchSpace, c: Config): Move[] {
  const moves: Move[] = [];
  const lr = c['learningRate'];
  if (typeof lr === 'number') {
    moves.push({
      change: { learningRate: clamp(space, 'learningRate', lr * 3)! },
      reason: 'explore a larger learning rate around the best',
      expected: 'faster convergence, if the best is not yet at its limit',
    });
    moves.push({
      change: { learningRate: clamp(space, 'learningRate', lr / 3)! },
      reason: 'explore a smaller learning rate around the best',
      expected: 'a finer optimum, if the best is noisy',
    });
  }
  const batch = c['batchSize'];
  if (typeof batch === 'number') {
    moves.push({
      change: { batchSize: clamp(space, 'batchSize', batch / 2)! },
      reason: 'smaller batches: more, noisier steps per epoch',
      expected: 'better generalization in few epochs',
    });
  }
  if (typeof c['dropout'] === 'number') {
    moves.push({
      change: { dropout: clamp(space, 'dropout', (c['dropout'] as number) + 0.1)! },
      reason: 'a little more dropout',
      expected: 'slightly better generalization',
    });
  }
  for (const [name, value] of [
    ['lrSchedule', 'cosine'],
    ['batchNorm', true],
    ['logSkewed', true],
  ] as const) {
    if (c[name] !== undefined && c[name] !== value && allows(space, name, value)) {
      moves.push({
        change: { [name]: value },
        reason: `try ${name}=${String(value)}`,
        expected: 'a modest gain',
      });
    }
  }
  return moves;
}

/**
 * The Advisor's stand-in when no LLM is configured: learning-curve heuristics applied to the best
 * trial so far (fix what is plainly wrong, then follow the curve, then explore around the best).
 * It answers in the Advisor's format and says it is rules, not an LLM.
 */
export class RuleBasedAdvisor implements Advisor {
  async advise(input: AdvisorInput): Promise<AgentAnswer<AdvisorReply>> {
    const { task } = input;
    const space = task.space;
    const reference =
      bestOf(input.trials, task.metric) ?? input.trials.find((t) => t.source === 'baseline');
    const base = (reference?.config ?? task.baseline) as Config;
    const seen = new Set(input.trials.map((t) => configKey(t.config)));
    const proposals: AdvisorReply['proposals'] = [];
    const offer = (change: Config, reason: string, expected: string) => {
      if (proposals.length >= input.count) return;
      const result = space.validate({ ...base, ...change });
      if (!result.ok) return;
      const key = configKey(result.config);
      if (seen.has(key)) return;
      seen.add(key);
      proposals.push({ config: result.config, reason, expected_effect: expected });
    };
    const fixMoves = fixes(space, base);
    const followMoves = reference ? curveMoves(space, reference) : [];
    // With numeric candidates (hybrid), one turn of the rules' best move, then the candidates:
    // the numeric strategy explores, the rules repair and follow the curve.
    const candidates = input.candidates ?? [];
    const ruleSlots = candidates.length ? Math.min(input.count, 1) : input.count;
    const limited = (f: () => void) => {
      if (proposals.length < ruleSlots) f();
    };
    // First everything plainly wrong at once, then each move alone, then exploration.
    if (fixMoves.length + followMoves.length > 1) {
      const all = [...fixMoves, ...followMoves];
      offer(
        Object.assign({}, ...all.map((m) => m.change)) as Config,
        `rules: ${all.map((m) => m.reason).join('; ')}`,
        all.map((m) => m.expected).join('; '),
      );
    }
    for (const m of [...followMoves, ...fixMoves])
      limited(() => offer(m.change, `rule: ${m.reason}`, m.expected));
    candidates.forEach((c, i) => {
      if (proposals.length >= input.count) return;
      const key = configKey(c.config);
      if (seen.has(key)) return;
      seen.add(key);
      proposals.push({
        config: c.config,
        reason: `numeric candidate C${i + 1}, taken as it is: ${c.reason}`,
        expected_effect: 'explores where the numeric model expects improvement',
      });
    });
    for (const m of explorationMoves(space, base)) offer(m.change, `rule: ${m.reason}`, m.expected);
    const analysis = reference
      ? `Rules, not an LLM: starting from #${reference.number} (${task.metric.name} ${formatValue(reference.value)}); its curve: ${reference.curve.length ? curveTrend(reference.curve) : 'not available'}; ${fixMoves.length} plain fixes apply.`
      : 'Rules, not an LLM: no finished trial yet; fixing the baseline.';
    return {
      output: { analysis, proposals },
      meta: RULES_META,
      summary: `${input.trials.length} trials; asked for ${input.count}`,
    };
  }
}
