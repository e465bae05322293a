import { Gauge, Histogram, Registry } from 'prom-client';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import type { InvalidCampaignEntry } from '../contracts/campaign-overview.ts';
import type { LgtQueues } from '../queue/lgt-queues.ts';
import type { CampaignEventHub } from './event-hub.ts';

/** Campaigns whose trials the metrics count: the most recent ones, as `lgt list` shows. */
const CAMPAIGNS_COUNTED = 50;

const DURATION_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * `/metrics` in the Prometheus text format. Everything is read from Redis when scraped (what the
 * store holds is the truth, whichever process did the work): trials by state and their durations
 * over the recent campaigns, queue depths, LLM calls, tokens and cost, and this server's event
 * stream clients.
 */
export function createApiMetrics(
  store: CampaignStore,
  queues: LgtQueues,
  hub: CampaignEventHub,
  reportInvalid: (entries: readonly InvalidCampaignEntry[]) => void = () => {},
): { contentType: string; metrics(): Promise<string> } {
  const registry = new Registry();
  const invalidRecords = new Gauge({
    name: 'lgt_invalid_campaign_records',
    help: 'Entries of the recent campaign index that are not valid campaigns (skipped)',
    registers: [registry],
  });
  const trials = new Gauge({
    name: 'lgt_trials',
    help: 'Trials of the most recent campaigns, by state',
    labelNames: ['state'],
    registers: [registry],
  });
  // Rebuilt from the records at each scrape: the durations of the recent campaigns' finished trials.
  const durations = new Histogram({
    name: 'lgt_trial_duration_seconds',
    help: 'Training time of finished trials of the most recent campaigns',
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const campaigns = new Gauge({
    name: 'lgt_campaigns',
    help: 'The most recent campaigns, by status',
    labelNames: ['status'],
    registers: [registry],
  });
  const queued = new Gauge({
    name: 'lgt_queue_jobs',
    help: 'Jobs in each queue, by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
  });
  const llmCalls = new Gauge({
    name: 'lgt_llm_calls',
    help: 'LLM calls of the most recent campaigns',
    registers: [registry],
  });
  const llmTokens = new Gauge({
    name: 'lgt_llm_tokens',
    help: 'LLM tokens used by the most recent campaigns',
    registers: [registry],
  });
  const llmCost = new Gauge({
    name: 'lgt_llm_cost_usd',
    help: 'LLM cost of the most recent campaigns, in US dollars',
    registers: [registry],
  });
  new Gauge({
    name: 'lgt_event_stream_clients',
    help: "Clients of this server's event streams",
    registers: [registry],
    collect() {
      this.set(hub.subscriberCount);
    },
  });
  new Gauge({
    name: 'lgt_event_stream_readers',
    help: 'Redis readers of event logs in this server (one per watched campaign)',
    registers: [registry],
    collect() {
      this.set(hub.readerCount);
    },
  });

  // Refreshed from Redis before each scrape is written out (prom-client collects metrics
  // concurrently, so one metric's collect cannot refresh the others).
  const refresh = async () => {
    const { campaigns: recent, invalid } = await store.scanCampaigns(CAMPAIGNS_COUNTED);
    invalidRecords.set(invalid.length);
    reportInvalid(invalid);
    trials.reset();
    campaigns.reset();
    durations.reset();
    let calls = 0;
    let tokens = 0;
    let cost = 0;
    for (const c of recent) {
      campaigns.inc({ status: c.status });
      for (const t of await store.listTrialSummaries(c.id)) {
        trials.inc({ state: t.state });
        if (typeof t.seconds === 'number') durations.observe(t.seconds);
      }
      const usage = await store.getLlmUsage(c.id);
      calls += usage.calls;
      tokens += usage.tokens;
      cost += usage.costUsd;
    }
    llmCalls.set(calls);
    llmTokens.set(tokens);
    llmCost.set(cost);
    queued.reset();
    for (const [name, queue] of Object.entries({
      campaign: queues.campaign,
      trials: queues.trials,
      agents: queues.agents,
    })) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, n] of Object.entries(counts)) queued.set({ queue: name, state }, n);
    }
  };

  return {
    contentType: registry.contentType,
    async metrics() {
      await refresh();
      return registry.metrics();
    },
  };
}
