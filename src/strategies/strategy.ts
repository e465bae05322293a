import type { TrialRecord, TrialSegment } from '../contracts/trial-record.ts';
import type { Config } from '../search-space/search-space.ts';

export interface Proposal {
  config: Config;
  /** Why this configuration, in a sentence (the campaign log shows it). */
  reason: string;
  expectedEffect?: string;
  /** Who proposed it, when not the strategy itself (e.g. 'baseline', 'fallback'). */
  source?: string;
  /** A training seed other than the campaign's (to measure run-to-run noise). */
  seed?: number;
  /** Cross-validation: fold assignments other than the campaign's (fresh evidence). */
  foldSeed?: number;
  /**
   * What the strategy wants to remember about this proposal, stored with the trial (e.g. the
   * log-probability f-DPG's proposal distribution gave it, for later importance weights).
   */
  meta?: Record<string, unknown>;
  /** In-run modes: the stretch of a run this trial trains, from another trial's end state. */
  segment?: TrialSegment;
}

/**
 * Where a campaign's configurations come from. `propose` sees every trial so far (finished or
 * not) and returns up to `count` new configurations; none when it has nothing to offer now (it
 * waits for running trials) or ever again (a grid that is exhausted: the campaign ends once no
 * trial runs and the strategy still offers nothing). It must be deterministic for a campaign's seed and history, so a driver
 * that resumes after a crash proposes what the dead one would have.
 */
export interface Strategy {
  readonly name: string;
  propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]>;
  /**
   * In-run modes: the trial whose end state is the campaign's result (the run's last winning
   * stretch), rather than the trial with the best value. The driver scores that one.
   */
  resultTrial?(history: readonly TrialRecord[]): Promise<number | null>;
  /**
   * For a strategy that learns only from its own proposals (CMA-ES replays its members): its
   * proposal `own` with `config` in its place, marked so that its update counts `config` where
   * `own` was (a hybrid's override). A strategy that reads every trial of the history needs none.
   */
  adopt?(own: Proposal, config: Config): Proposal;
  /**
   * Its state in words and numbers, for an Advisor that overrides some of its proposals (what it
   * believes and where it goes next); absent where its proposals' reasons say it all.
   */
  stateInWords?(history: readonly TrialRecord[]): string;
  /** Called once when the campaign ends normally, e.g. to judge the last round. */
  conclude?(history: readonly TrialRecord[]): Promise<void>;
}
