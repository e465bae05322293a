import { randomBytes } from 'node:crypto';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import type { CampaignRecord } from './campaign-records.ts';
import {
  InvalidCampaignRequestError,
  parseCampaignRequest,
  type CampaignRequest,
  type CampaignRequestInput,
} from './campaign-request.ts';
import type { AnyTask } from '../tasks/task.ts';
import type { CampaignStore } from './campaign-store.ts';
import { loadTask } from './task-spec.ts';

/** e.g. iris-20261123-061502-3fa9: sortable, readable, and without ':' (BullMQ ids). */
export function newCampaignId(taskName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name =
    taskName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'task';
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export interface PreparedCampaign {
  request: CampaignRequest;
  task: AnyTask;
}

/** Checks a campaign request: its fields, that its task loads, that grid dimensions exist. */
export async function prepareCampaign(input: CampaignRequestInput): Promise<PreparedCampaign> {
  const request = parseCampaignRequest(input);
  const task = await loadTask(request.task);
  if (request.gridParams) {
    const unknown = request.gridParams.filter((p) => !task.space.param(p));
    if (unknown.length) {
      throw new InvalidCampaignRequestError([
        `--grid-params names unknown parameters of ${task.name}: ${unknown.join(', ')} (lgt tasks ${task.name} lists them)`,
      ]);
    }
  }
  return { request, task };
}

/** Writes the campaign record and adds its driver job. */
export async function createCampaign(
  store: CampaignStore,
  queues: LgtQueues,
  prepared: PreparedCampaign,
): Promise<CampaignRecord> {
  const { request, task } = prepared;
  const record: CampaignRecord = {
    id: newCampaignId(task.name),
    request,
    taskName: task.name,
    metric: task.metric,
    status: 'queued',
    createdAt: Date.now(),
  };
  await store.createCampaign(record);
  await queues.campaign.add(
    'drive',
    { campaignId: record.id },
    { jobId: jobIds.driver(record.id) },
  );
  return record;
}

/** Asks a campaign to stop: waiting trials are dropped, running ones stop between epochs. */
export async function cancelCampaign(
  store: CampaignStore,
  id: string,
  reason = 'cancelled by request',
): Promise<CampaignRecord> {
  const campaign = await store.requireCampaign(id);
  const updated = await store.setCampaignStatus(id, 'cancelling', ['queued', 'running']);
  if (!updated) {
    throw new Error(
      `campaign ${id} is ${campaign.status}; only a queued or running campaign can be cancelled`,
    );
  }
  await store.appendEvent(id, { type: 'campaign.cancelling', reason });
  return updated;
}

/** Ends a campaign that cannot go on, with the reason in its record and its log. */
export async function failCampaign(store: CampaignStore, id: string, error: string): Promise<void> {
  const failed = await store.setCampaignStatus(id, 'failed', ['queued', 'running', 'cancelling'], {
    finishedAt: Date.now(),
    error,
  });
  if (failed) await store.appendEvent(id, { type: 'campaign.failed', error });
}
