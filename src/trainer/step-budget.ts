/**
 * The step budget: how many optimizer steps one trial may take, as a multiple of the steps the
 * task's default configuration takes on the same data.
 *
 * Why: a search space's corners multiply. On a small CSV, batch size 4 (8x the default's steps
 * per epoch) times 500 epochs (10x the default's) is 80 times the default trial, and one such
 * trial holds a worker for as long as the rest of the campaign. Bounding steps rather than epochs
 * keeps what matters for tuning: a large batch may still train for many epochs, a small batch
 * for fewer, and the default configuration is never touched.
 */
export const DEFAULT_STEP_BUDGET = 10;

export interface StepBudgetInput {
  /** Epochs the configuration asks for (after any pinning by the campaign). */
  epochs: number;
  batchSize: number;
  trainRows: number;
  /** Epochs and batch size of the task's default configuration (pinned epochs count as its). */
  defaultEpochs: number;
  defaultBatchSize: number;
  /** Multiple of the default's steps a trial may take; 0 or Infinity turns the cap off. */
  factor: number;
}

/** A trial's epochs cut to its step budget: the configuration's epochs when they fit. */
export interface EpochCap {
  requested: number;
  allowed: number;
  /** The steps the budget allowed, for messages. */
  maxSteps: number;
}

function stepsPerEpoch(trainRows: number, batchSize: number): number {
  return Math.max(1, Math.ceil(trainRows / Math.max(1, batchSize)));
}

/** The epochs a trial may run; `null` when the configuration fits (or the cap is off). */
export function capEpochs(input: StepBudgetInput): EpochCap | null {
  if (!(input.factor > 0) || !Number.isFinite(input.factor)) return null;
  const defaultSteps = input.defaultEpochs * stepsPerEpoch(input.trainRows, input.defaultBatchSize);
  const maxSteps = Math.ceil(input.factor * defaultSteps);
  const perEpoch = stepsPerEpoch(input.trainRows, input.batchSize);
  if (input.epochs * perEpoch <= maxSteps) return null;
  // At least one epoch: a trial that cannot see its data once would say nothing.
  const allowed = Math.max(1, Math.floor(maxSteps / perEpoch));
  return allowed >= input.epochs ? null : { requested: input.epochs, allowed, maxSteps };
}

/** How a cut is said in the live log, `lgt trial` and the report. */
export function describeEpochCap(cap: { requested: number; allowed: number }): string {
  return `${cap.allowed} of its ${cap.requested} epochs (cut by the step budget)`;
}
