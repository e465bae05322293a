import { FINISHED_TRIAL, type TrialRecord } from '../contracts/trial-record.ts';
import { configKey } from './config-sampling.ts';
import { correctedResampledTTest, type PairedTest } from '../stats/corrected-t-test.ts';
import { DEFAULT_SOURCE } from './default-first-strategy.ts';
import type { Proposal, Strategy } from './strategy.ts';
import { type Direction, gainSign } from '../maths/direction.ts';

/** The source of a re-evaluation trial in a campaign's history. */
export const CONFIRM_SOURCE = 'confirm';

/**
 * Trials a cross-validated campaign of `maxTrials` keeps for re-evaluation: the default and the
 * best few, once each (a fifth of the budget, at most 4); none under 10 trials, where the search
 * needs every one.
 */
export function confirmationBudget(maxTrials: number): number {
  return maxTrials >= 10 ? Math.min(4, Math.floor(maxTrials / 5)) : 0;
}

export interface ConfirmingOptions {
  maxTrials: number;
  /** Trials kept for the re-evaluation (see confirmationBudget). */
  reserve: number;
  direction: Direction;
  /** Folds per trial; the re-evaluation's folds are a fresh assignment of the same rows. */
  folds: number;
  /** The seed of the fresh fold assignment (not the campaign's split seed). */
  foldSeed: number;
}

/** One configuration re-evaluated on fresh folds, against the default on the same folds. */
export interface Confirmation {
  /** The search trial whose configuration was re-evaluated (the best with it). */
  searchTrial: number;
  /** Its re-evaluation trial. */
  confirmTrial: number;
  /** On the fresh folds, against the default (null for the default itself). */
  test: PairedTest | null;
}

/**
 * Any strategy, with its best configurations re-evaluated before the campaign picks one: the
 * best of many configurations on the folds it was chosen on is often a lucky one (the winner's
 * curse), so the last `reserve` trials of the budget train the default and the best
 * `reserve - 1` other configurations again, on a fresh assignment of the same rows to folds,
 * which the search never selected on (the racing step of SMAC and auto-sklearn, in small).
 * The campaign's result is the configuration whose advantage over the default holds there, by
 * the one-sided lower bound of the corrected resampled t-test (Nadeau and Bengio 2003) at 95%
 * corrected for the candidates compared (Bonferroni); when none holds, the default. The test rows are untouched: no fold contains them.
 */
export class ConfirmingStrategy implements Strategy {
  readonly name: string;

  constructor(
    private readonly inner: Strategy,
    private readonly opts: ConfirmingOptions,
  ) {
    this.name = inner.name;
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const search = history.filter((t) => t.source !== CONFIRM_SOURCE);
    const waiting = search.some((t) => !FINISHED_TRIAL.includes(t.state));
    if (!history.some((t) => t.source === CONFIRM_SOURCE)) {
      const room = this.opts.maxTrials - this.opts.reserve - search.length;
      if (room > 0) {
        const proposals = await this.inner.propose(history, Math.min(count, room));
        // The strategy may be done early (a grid that is exhausted): re-evaluate then.
        if (proposals.length > 0 || waiting) return proposals;
      }
      // The re-evaluation compares finished results: it waits for the search to end.
      if (waiting) return [];
    }
    const done = new Set(
      history.filter((t) => t.source === CONFIRM_SOURCE).map((t) => configKey(t.config)),
    );
    return candidatesOf(search, this.opts)
      .filter((t) => !done.has(configKey(t.config)))
      .slice(0, count)
      .map((t) => ({
        config: t.config,
        reason:
          t.source === DEFAULT_SOURCE
            ? 'the default again, on fresh folds: the control of the re-evaluation'
            : `re-evaluating #${t.number} on fresh folds: its score was the best of many, and some of that may be luck`,
        source: CONFIRM_SOURCE,
        foldSeed: this.opts.foldSeed,
        ...(t.seed !== undefined ? { seed: t.seed } : {}),
      }));
  }

  /**
   * The search trial whose configuration holds its advantage on the fresh folds (the largest
   * lower bound above zero), else the default's; null without a re-evaluation to judge by.
   */
  async resultTrial(history: readonly TrialRecord[]): Promise<number | null> {
    const confirmations = confirmationsOf(history, this.opts);
    if (!confirmations) return null;
    return (heldWinner(confirmations) ?? confirmations.find((c) => c.test === null)!).searchTrial;
  }

  conclude(history: readonly TrialRecord[]): Promise<void> {
    return this.inner.conclude?.(history) ?? Promise.resolve();
  }
}

/**
 * The re-evaluation's results: each candidate's search trial, its re-evaluation and the test
 * against the default on the same fresh folds; null when it did not happen (or the default's
 * re-evaluation has no fold scores). The report's verdict reads the same.
 */
export function confirmationsOf(
  history: readonly TrialRecord[],
  opts: Pick<ConfirmingOptions, 'direction' | 'folds' | 'reserve'>,
): Confirmation[] | null {
  const search = history.filter((t) => t.source !== CONFIRM_SOURCE);
  const rerun = new Map(
    history
      .filter((t) => t.source === CONFIRM_SOURCE && t.state === 'completed')
      .map((t) => [configKey(t.config), t]),
  );
  const candidates = candidatesOf(search, opts);
  const control = candidates.find((t) => t.source === DEFAULT_SOURCE);
  const controlFolds = control && rerun.get(configKey(control.config))?.foldValues;
  if (!controlFolds || controlFolds.length < 2) return null;
  const sign = gainSign(opts.direction);
  // The pick is the best of the candidates on these folds, itself a selection: each is tested at
  // 95% / k (Bonferroni over the k compared with the default), so that "beat the default" is
  // wrong at most 5% of the time when none truly beats it, however many were compared.
  const compared = Math.max(1, candidates.length - 1);
  const confidence = 1 - 0.05 / compared;
  const out: Confirmation[] = [];
  for (const t of candidates) {
    const again = rerun.get(configKey(t.config));
    if (!again?.foldValues || again.foldValues.length !== controlFolds.length) continue;
    const diffs = again.foldValues.map((v, j) => sign * (v - controlFolds[j]!));
    out.push({
      searchTrial: t.number,
      confirmTrial: again.number,
      test: t === control ? null : correctedResampledTTest(diffs, 1 / (opts.folds - 1), confidence),
    });
  }
  return out;
}

/** The candidate whose advantage over the default held (the largest lower bound above zero). */
export function heldWinner(confirmations: readonly Confirmation[]): Confirmation | null {
  const held = confirmations.filter((c) => c.test !== null && c.test.lower > 0);
  return held.length ? held.reduce((a, b) => (b.test!.lower > a.test!.lower ? b : a)) : null;
}

/**
 * What is re-evaluated: the default (when it has a result) and the best other configurations by
 * the search's score, one trial each, in that order; deterministic for a history.
 */
function candidatesOf(
  search: readonly TrialRecord[],
  opts: Pick<ConfirmingOptions, 'direction' | 'reserve'>,
): TrialRecord[] {
  const finite = search.filter(
    (t) => t.state === 'completed' && typeof t.value === 'number' && Number.isFinite(t.value),
  );
  const control = finite.find((t) => t.source === DEFAULT_SOURCE);
  const sign = gainSign(opts.direction);
  const seen = new Set(control ? [configKey(control.config)] : []);
  const best: TrialRecord[] = [];
  for (const t of finite
    .slice()
    .sort((a, b) => sign * (b.value! - a.value!) || a.number - b.number)) {
    const key = configKey(t.config);
    if (seen.has(key)) continue;
    seen.add(key);
    best.push(t);
  }
  return [...(control ? [control] : []), ...best].slice(0, opts.reserve);
}
