import type { Config } from '../search-space/search-space.ts';
import type { MetricSpec } from '../tasks/task.ts';
import type { Metrics } from '../trainer/metrics.ts';
import type { EpochRecord, TrialStatus } from '../trainer/trainer.ts';
import type { CampaignRequest } from './campaign-request.ts';

export type CampaignStatus =
  'queued' | 'running' | 'cancelling' | 'cancelled' | 'completed' | 'failed';

export const FINISHED_CAMPAIGN: readonly CampaignStatus[] = ['cancelled', 'completed', 'failed'];

export interface BestTrial {
  trial: number;
  value: number;
  config: Config;
  seed?: number;
}

export interface CampaignRecord {
  id: string;
  request: CampaignRequest;
  /** The task's name and metric, for listings that should not load the task. */
  taskName: string;
  metric: MetricSpec;
  status: CampaignStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  best?: BestTrial;
  /**
   * Set when a budget ran out (wall clock, LLM tokens or cost), or when the first trials all
   * failed (a broken task or data, not a bad configuration): running trials stop between epochs.
   */
  stopReason?: 'time-limit' | 'llm-budget' | 'trials-failing';
  error?: string;
  reportDir?: string;
}

/**
 * proposed: written, its job maybe not yet added; queued: job added; running: a worker trains it;
 * then one of completed, pruned (stopped by the pruner), failed (every attempt failed or it
 * diverged), cancelled.
 */
export type TrialState =
  'proposed' | 'queued' | 'running' | 'completed' | 'pruned' | 'failed' | 'cancelled';

export const FINISHED_TRIAL: readonly TrialState[] = ['completed', 'pruned', 'failed', 'cancelled'];

export interface TrialRecord {
  number: number;
  state: TrialState;
  config: Config;
  /** Why the strategy proposed it, and what the proposer expected it to do. */
  reason: string;
  expectedEffect?: string;
  source: string;
  /** Training seed when not the campaign's (the baseline repeat that measures noise). */
  seed?: number;
  /** What the strategy noted when it proposed this trial (see Proposal.meta). */
  meta?: Record<string, unknown>;
  proposedAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  /** hostname:pid of the worker process that last ran it. */
  worker?: string;
  /** The validation metric (null when it diverged or failed). */
  value?: number | null;
  trainStatus?: TrialStatus;
  validation?: Metrics;
  epochsRun?: number;
  seconds?: number;
  error?: string;
}

/** What a trial job returns (also what a final, test-scoring job returns). */
export interface TrialJobResult {
  status: TrialStatus;
  value: number | null;
  validation: Metrics;
  test?: Metrics;
  curve: EpochRecord[];
  reportedEpoch: number;
  seconds: number;
  samplesPerSecond: number;
  parameterCount: number;
  backend: string;
  worker: string;
  /** Final jobs only: the trained model in TF.js's format, weights base64-encoded. */
  model?: SavedModel;
}

export interface SavedModel {
  modelTopology: object;
  weightSpecs: object[];
  weightData: string;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export interface TrialJobData {
  campaignId: string;
  trial: number;
  config: Config;
  /** Training seed; the campaign's when absent. */
  seed?: number;
  /** A final job retrains the best configuration, scores the test split and returns the model. */
  final?: boolean;
}
