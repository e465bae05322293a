import { Queue } from 'bullmq';
import { bullConnection, isClusterUrl } from './redis-connection.ts';

/**
 * One BullMQ prefix per installation, so several can share a Redis: LGT_PREFIX, else "lgt". On
 * a Redis Cluster (`url` a cluster's) it is a hash tag, "{lgt}", as BullMQ requires: its scripts
 * touch several keys of a queue at once. The campaign store takes the prefix without braces, so
 * that each campaign's keys hash by the campaign's own tag and campaigns spread over the nodes.
 */
export function queuePrefix(url?: string): string {
  const prefix = process.env['LGT_PREFIX'] || 'lgt';
  return url && isClusterUrl(url) && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

export const QUEUE_NAMES = ['campaign', 'trials', 'agents'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** BullMQ job ids may not contain ':'; ours are derived from campaign and trial, never random. */
export const jobIds = {
  driver: (campaignId: string) => campaignId,
  trial: (campaignId: string, trial: number) => `${campaignId}-t${trial}`,
  final: (campaignId: string) => `${campaignId}-final`,
  retrain: (campaignId: string, trial: number) => `${campaignId}-retrain-t${trial}`,
};

const KEEP = { age: 7 * 24 * 3600, count: 10_000 };

export interface LgtQueues {
  campaign: Queue;
  trials: Queue;
  agents: Queue;
  close(): Promise<void>;
}

/** The three queues: one driver job per campaign, one job per trial, and LLM calls. */
export function openQueues(url: string, prefix = queuePrefix(url)): LgtQueues {
  const bull = bullConnection(url);
  const connection = bull.connection;
  const campaign = new Queue('campaign', {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 1000,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: KEEP,
      removeOnFail: KEEP,
    },
  });
  const trials = new Queue('trials', {
    connection,
    prefix,
    // A crashed trial (its process died, an exception) is retried with backoff; the third
    // failure is final and the driver records it.
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: KEEP,
      removeOnFail: KEEP,
    },
  });
  const agents = new Queue('agents', {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: KEEP, removeOnFail: KEEP },
  });
  return {
    campaign,
    trials,
    agents,
    close: async () => {
      await Promise.all([campaign.close(), trials.close(), agents.close()]);
      bull.close();
    },
  };
}
