import type { Config } from '../search-space/search-space.ts';
import type { Metrics } from '../trainer/metrics.ts';

/**
 * Every step of a campaign, in the order it happened: the campaign's log (a Redis Stream, capped),
 * what `lgt logs` prints and what rebuilds a report.
 */
export type CampaignEvent =
  | {
      type: 'campaign.started';
      task: string;
      strategy: string;
      maxTrials: number;
      parallel: number;
      agents?: string;
    }
  | { type: 'campaign.resumed'; by: string }
  | { type: 'proposal'; trial: number; config: Config; reason: string; source: string }
  | { type: 'trial.started'; trial: number; attempt: number; worker: string }
  | {
      type: 'trial.epoch';
      trial: number;
      epoch: number;
      epochs: number;
      loss: number;
      validationMetric: number;
    }
  | {
      type: 'trial.finished';
      trial: number;
      value: number | null;
      validation: Metrics;
      seconds: number;
      epochs: number;
      /** The step budget cut the configuration's epochs (see step-budget.ts). */
      epochCap?: { requested: number; allowed: number };
    }
  | { type: 'trial.pruned'; trial: number; epoch: number; value: number; median: number }
  | {
      type: 'trial.failed';
      trial: number;
      attempt: number;
      attempts: number;
      error: string;
      final: boolean;
    }
  | { type: 'trial.cancelled'; trial: number }
  | { type: 'trial.timed-out'; trial: number; seconds: number; epoch: number; limit: number }
  | { type: 'best.improved'; trial: number; value: number; previous: number | null; config: Config }
  | { type: 'campaign.cancelling'; reason: string }
  | { type: 'campaign.final'; trial: number; validation: Metrics; test: Metrics }
  | {
      type: 'campaign.finished';
      status: string;
      best: { trial: number; value: number } | null;
      reportDir: string | null;
    }
  | { type: 'campaign.failed'; error: string }
  | {
      type: 'agent.message';
      agent: 'advisor' | 'evaluator' | 'optimizer';
      /** A rule-based stand-in answered, not an LLM. */
      rules: boolean;
      model: string;
      promptVersion?: number;
      inputs: string;
      reply: unknown;
      tokens: number;
      costUsd: number;
      latencyMs: number;
      cached: boolean;
      repaired: boolean;
    }
  | { type: 'agent.fallback'; agent: string; reason: string }
  /** An agent call is waiting, and why (no worker serves the agents queue, ...). */
  | { type: 'agent.waiting'; agent: string; reason: string }
  | { type: 'prompt.rewritten'; version: number; parent: number; rationale: string; diff: string }
  | { type: 'prompt.rejected'; reason: string }
  | { type: 'prompt.reverted'; from: number; to: number; reason: string }
  | { type: 'llm.budget'; tokens: number; costUsd: number; limit: string };

export type CampaignEventType = CampaignEvent['type'];

/** An event as stored: its stream id and when it happened. */
export type LoggedEvent = CampaignEvent & { id: string; at: number };
