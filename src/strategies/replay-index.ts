import type { TrialRecord } from '../contracts/trial-record.ts';
import { configKey } from './config-sampling.ts';
import { trialOutcome } from './trial-outcome.ts';
import type { Direction } from '../maths/direction.ts';

/** What a trial says to a replay, worked out once (a trial's meta and config never change). */
interface TrialFacts<M> {
  meta: M | null;
  configKey: string;
  /** Its loss once it finished (null: failed or cancelled): a result never changes. */
  loss?: number | null;
}

/**
 * The lookups a replaying strategy (CMA-ES, ZO) needs, kept up to date across calls instead of
 * rebuilt from the whole history at every proposal: its own trials by the key of what they
 * stood for (a generation's member, a step's probe), and the first trial of each configuration
 * (a point that rounds onto a tried configuration takes that trial's result). Each trial's meta
 * is parsed once.
 *
 * `update` says whether the history is the one seen before plus what happened since: every
 * trial known still there and every result unchanged, as a driver's history always is. When it
 * is not (a caller asking about another history, as tests do), everything is forgotten and the
 * caller must forget what it replayed too.
 */
export class ReplayIndex<M> {
  private readonly facts = new Map<number, TrialFacts<M>>();
  /** The strategy's own trials, by the key of what they stood for. */
  readonly own = new Map<string, { trial: TrialRecord; meta: M }>();
  private readonly firstByConfig = new Map<string, TrialRecord>();

  constructor(
    /** The trial's meta when this strategy proposed it (checked), else null. */
    private readonly metaOf: (trial: TrialRecord) => M | null,
    private readonly keyOf: (meta: M) => string,
    private readonly direction: Direction,
  ) {}

  /** The first trial of a configuration (by configKey), if any. */
  twin(key: string): TrialRecord | undefined {
    return this.firstByConfig.get(key);
  }

  /** Takes in the history; false when it does not extend the last one (all was forgotten). */
  update(history: readonly TrialRecord[]): boolean {
    const extended = this.extends(history);
    if (!extended) {
      this.facts.clear();
      this.own.clear();
      this.firstByConfig.clear();
    }
    for (const trial of history) {
      let facts = this.facts.get(trial.number);
      if (!facts) {
        facts = { meta: this.metaOf(trial), configKey: configKey(trial.config) };
        this.facts.set(trial.number, facts);
      }
      if (facts.meta !== null) {
        const key = this.keyOf(facts.meta);
        const known = this.own.get(key);
        if (!known || known.trial.number === trial.number)
          this.own.set(key, { trial, meta: facts.meta });
      }
      const twin = this.firstByConfig.get(facts.configKey);
      if (!twin || twin.number === trial.number) this.firstByConfig.set(facts.configKey, trial);
      const outcome = trialOutcome(trial, this.direction);
      if (outcome.kind === 'finished') facts.loss = outcome.loss;
    }
    return extended;
  }

  private extends(history: readonly TrialRecord[]): boolean {
    let known = 0;
    for (const trial of history) {
      const facts = this.facts.get(trial.number);
      if (!facts) continue;
      known += 1;
      if (facts.loss !== undefined) {
        const outcome = trialOutcome(trial, this.direction);
        if (outcome.kind !== 'finished' || outcome.loss !== facts.loss) return false;
      }
    }
    return known === this.facts.size;
  }
}
