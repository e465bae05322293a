import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import { expect } from 'vitest';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { CampaignRequestInput } from '../../src/contracts/campaign-request.ts';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import type { CampaignStore } from '../../src/campaign/campaign-store.ts';
import type { LoadTaskOptions } from '../../src/catalog/task-registry.ts';
import type { LgtQueues } from '../../src/queue/lgt-queues.ts';
import { waitFor } from './lgt-process.ts';
import { SHARED_DATASETS } from './paths.ts';

/** A small campaign request on iris (random search), the shared data sets, output in `outputDir`. */
export function campaignRequest(
  outputDir: string,
  overrides: Partial<CampaignRequestInput> = {},
): CampaignRequestInput {
  return {
    task: { kind: 'builtin', name: 'iris' },
    strategy: 'random',
    maxTrials: 8,
    parallel: 2,
    seed: 0,
    splitSeed: 0,
    pruner: 'none',
    outputDir,
    dataDirs: [SHARED_DATASETS],
    ...overrides,
  };
}

export async function startCampaign(
  store: CampaignStore,
  queues: LgtQueues,
  outputDir: string,
  overrides: Partial<CampaignRequestInput> = {},
  options: LoadTaskOptions = {},
): Promise<CampaignRecord> {
  return createCampaign(
    store,
    queues,
    await prepareCampaign(campaignRequest(outputDir, overrides), options),
  );
}

/** The campaign once it has ended (completed, cancelled or failed). */
export function campaignEnd(
  store: CampaignStore,
  id: string,
  timeoutMs = 120_000,
): Promise<CampaignRecord> {
  return waitFor(
    `campaign ${id} to end`,
    async () => {
      const c = await store.getCampaign(id);
      return c && ['completed', 'cancelled', 'failed'].includes(c.status) ? c : null;
    },
    timeoutMs,
  );
}

export function campaignEvents(store: CampaignStore, id: string): Promise<LoggedEvent[]> {
  return store.readEvents(id, '0', { count: 100_000 });
}

/** Every trial 1..n present once, finished, with a distinct configuration. */
export function expectWholeCampaign(trials: TrialRecord[], n: number): void {
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(trials.every((t) => t.state === 'completed')).toBe(true);
  expect(new Set(trials.map((t) => JSON.stringify(t.config))).size).toBe(n);
}
