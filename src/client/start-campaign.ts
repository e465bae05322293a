import path from 'node:path';
import { openCampaignContext, type CampaignContext } from '../campaign/campaign-context.ts';
import { campaignOverview } from '../campaign/campaign-overview.ts';
import { followEvents } from '../campaign/campaign-progress.ts';
import { readReport } from '../campaign/report-stream.ts';
import { cancelCampaign } from '../campaign/campaign-control.ts';
import { createCampaign, prepareCampaign } from '../campaign/campaign-service.ts';
import { workersFor } from '../campaign/waiting-for.ts';
import type { CampaignRequestInput } from '../contracts/campaign-request.ts';
import { dataDirsOf } from '../env/data-dirs.ts';
import { ownPermissionsOf } from '../task-kinds/task-spec.ts';
import { createRedis } from '../queue/redis-connection.ts';
import { WorkerService } from '../worker/worker-service.ts';
import {
  CampaignEndedWithoutReport,
  type CampaignHandle,
  type EventsOptions,
} from './campaign-handle.ts';

export interface StartCampaignOptions {
  /** Default REDIS_URL, else redis://127.0.0.1:6379, else a private redis-server (as `lgt run`). */
  redisUrl?: string;
  /** Trial processes of the workers started here when none serves the queue (default: parallel). */
  workers?: number;
  /** Never start workers here: `lgt worker` processes on the same Redis do the work. */
  localWorkers?: boolean;
}

/** A request from a script: `lgt run`'s fields, with its defaults; the output directory LGT_RUNS_DIR, else ./runs. */
export type ScriptRequest = Omit<CampaignRequestInput, 'outputDir'> & { outputDir?: string };

/**
 * Starts a campaign from a script, in this process as `lgt run` does: the request checked (an
 * InvalidCampaignRequestError names each bad field), local workers when none serves the queue,
 * and a handle to follow it. `result()` waits for the end, answers the report and lets go of the
 * workers and connections.
 */
export async function startCampaign(
  request: ScriptRequest,
  options: StartCampaignOptions = {},
): Promise<CampaignHandle> {
  // A module or a command a script names is that script's person's choice, as on the command line.
  const { dataDirs } = dataDirsOf(request.dataDirs ?? []);
  const { taskDirs, commands, dataDirs: readable } = ownPermissionsOf(request.task, dataDirs);
  const prepared = await prepareCampaign(
    {
      ...(dataDirs ? { dataDirs } : {}),
      ...request,
      outputDir: path.resolve(request.outputDir ?? process.env['LGT_RUNS_DIR'] ?? 'runs'),
      ...(request.task.kind === 'module'
        ? { task: { ...request.task, path: path.resolve(request.task.path) } }
        : request.task.kind === 'csv'
          ? { task: { ...request.task, file: path.resolve(request.task.file) } }
          : request.task.kind === 'command'
            ? { task: { ...request.task, cwd: path.resolve(request.task.cwd) } }
            : {}),
    },
    { taskDirs, commands, dataDirs: readable },
  );
  const ctx = await openCampaignContext({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    allowEmbedded: true,
  });
  let workers: WorkerService | null = null;
  try {
    // Workers that may not run this task (its command, module or data) leave it alone.
    const elsewhere = await workersFor(ctx.queues, ctx.connection, prepared.request.task);
    if (options.localWorkers !== false && (elsewhere.drivers === 0 || elsewhere.trials === 0)) {
      workers = await WorkerService.start({
        redisUrl: ctx.redis.url,
        concurrency: options.workers ?? prepared.request.parallel,
        runsDir: prepared.request.outputDir,
        ...(taskDirs.length ? { taskDirs } : {}),
        ...(commands.length ? { commands } : {}),
        ...(readable.length ? { dataDirs: readable } : {}),
      });
    }
    const record = await createCampaign(ctx.store, ctx.queues, prepared);
    return new LocalCampaign(record.id, ctx, workers);
  } catch (error) {
    await workers?.close(true);
    await ctx.close();
    throw error;
  }
}

/** A campaign in this process's Redis, with the workers started for it. */
class LocalCampaign implements CampaignHandle {
  private closed: Promise<void> | null = null;

  constructor(
    readonly id: string,
    private readonly ctx: CampaignContext,
    private readonly workers: WorkerService | null,
  ) {}

  async *events(opts: EventsOptions = {}) {
    // Each reader blocks on its own connection, so several may follow at once.
    const blocking = createRedis(this.ctx.redis.url);
    try {
      for await (const batch of followEvents(this.ctx.store, this.id, {
        follow: true,
        blocking,
        ...(opts.after ? { after: opts.after } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      })) {
        yield* batch;
      }
    } finally {
      blocking.disconnect();
    }
  }

  status() {
    return campaignOverview(this.ctx.store, this.id);
  }

  async cancel(): Promise<void> {
    await cancelCampaign(this.ctx.store, this.id, 'cancelled by the script', this.ctx.queues);
  }

  async result() {
    try {
      for await (const _batch of followEvents(this.ctx.store, this.id, {
        follow: true,
        blocking: this.ctx.blocking,
      })) {
        // Until the campaign has ended.
      }
      const report = await readReport(this.ctx.store, this.id);
      if (!report) {
        const c = await this.ctx.store.requireCampaign(this.id);
        throw new CampaignEndedWithoutReport(this.id, c.status, c.error);
      }
      return report;
    } finally {
      await this.close();
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.workers?.close(true);
      await this.ctx.close();
    })();
    return this.closed;
  }
}
