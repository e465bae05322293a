import { FencedOutError } from '../campaign/store-errors.ts';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DelayedError, type Worker, type Job } from 'bullmq';
import { CheckedWorker } from './checked-worker.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import { CampaignDriver, DriverHandedBack } from '../campaign/campaign-driver.ts';
import { closeWithoutDriver, failCampaign } from '../campaign/campaign-control.ts';
import { CampaignStore } from '../campaign/campaign-store.ts';
import { CAMPAIGN_ID_PATTERN, FINISHED_CAMPAIGN } from '../contracts/campaign-record.ts';
import { InvalidStoredRecordError } from '../contracts/stored-record.ts';
import { environmentWithoutSecrets, redactSecrets } from '../secrets/redact.ts';
import { bullConnection, createRedis } from '../queue/redis-connection.ts';
import { openQueues, queuePrefix, type LgtQueues, type QueueName } from '../queue/lgt-queues.ts';
// The agents' reply schemas reach the LLM layer here: the workers sit above both.
import { AGENT_SCHEMAS } from '../../agents/agent-schemas.ts';
import { agentCallProcessor } from '../llm/agent-call-processor.ts';
import { llmSettingsFromEnv } from '../llm/llm-settings.ts';
import { allowedDataDirs } from '../env/data-dirs.ts';
import { OWN_MODULE_EXTENSION, PACKAGE_ROOT } from '../env/package-root.ts';
import { workerName } from '../env/worker-name.ts';
import { permissionsOf, refusalOf, type Permissions } from '../task-kinds/task-permissions.ts';
import { ADVERT_REFRESH_MS, advertise, withdraw } from '../queue/worker-registry.ts';
import { leaveForAnotherWorker } from './leave-for-another-worker.ts';

export interface WorkerServiceOptions {
  redisUrl: string;
  /** Trials trained at once (each in its own process); default one per CPU core. */
  concurrency?: number;
  queues?: QueueName[];
  /**
   * Where this worker's drivers write reports (default LGT_RUNS_DIR, else ./runs): a campaign
   * whose request names a directory outside it is written here instead.
   */
  runsDir?: string;
  /** Directories task modules may be loaded from, besides the working directory (--task-dir). */
  taskDirs?: string[];
  /** Command lines its trials may run as objectives (--allow-command). */
  commands?: string[];
  /**
   * Directories its drivers and trials read data from, besides LGT_DATA_DIR (--data-dir): a
   * campaign's own list is searched only where it lies inside these.
   */
  dataDirs?: string[];
  log?: (message: string) => void;
}

/** How long a job's lock lasts, and how often stalled jobs are looked for (env, for tests). */
function timing() {
  // Short enough that a trial whose worker was killed (-9) is retried within about 20 s; a job
  // that loses its lock anyway (Redis away longer) is safe: writes are fenced (see TrialRunner,
  // CampaignDriver), so a second attempt never writes beside the first.
  const lockDuration = Number(process.env['LGT_LOCK_MS'] ?? 15_000);
  const stalledInterval = Number(process.env['LGT_STALLED_MS'] ?? 5_000);
  return { lockDuration, stalledInterval };
}

/** Several services in one process (tests, a script) each get their own name. */
let servicesStarted = 0;

/** Attempts of a campaign's driver job that end in the same kind of error before the campaign fails. */
const DRIVER_FAILURES_BEFORE_GIVING_UP = 5;

/**
 * The module each trial's child process runs: the build's JavaScript whenever the build is up to
 * date with the sources (bin/build-state.js), even when this process runs the sources through
 * tsx (a script under tsx, the tests): the same code, without compiling TypeScript in every child
 * (about 1.5 s of CPU each, measured with a plain import of either). LGT_FROM_SOURCE=1 keeps
 * children on the sources too.
 */
async function trialProcessor(): Promise<{ file: string; execArgv: string[] }> {
  const built = {
    file: path.join(PACKAGE_ROOT, 'dist/src/worker/trial-processor.js'),
    execArgv: [],
  };
  if (OWN_MODULE_EXTENSION === '.js') return built;
  if (!process.env['LGT_FROM_SOURCE']) {
    const state = (await import(
      pathToFileURL(path.join(PACKAGE_ROOT, 'bin/build-state.js')).href
    )) as { buildIsFresh: (root: string) => boolean };
    if (state.buildIsFresh(PACKAGE_ROOT)) return built;
  }
  return {
    file: path.join(import.meta.dirname, 'trial-processor.ts'),
    execArgv: ['--import', import.meta.resolve('tsx')],
  };
}

/**
 * A worker process's BullMQ workers: campaign drivers (in-process: they mostly wait), trials
 * (sandboxed: each in a child process) and LLM calls (when this process has LLM settings). `close()` finishes running trials; `close(true)` hands
 * them back to the queue at once (they are retried, by this or another worker).
 */
export class WorkerService {
  private readonly workers: Worker[] = [];
  private readonly handBack = new AbortController();
  private readonly connections: RedisClient[] = [];
  private readonly closers: (() => void)[] = [];
  private queues: LgtQueues | undefined;
  /** Takes this worker's advert out of Redis (see advertise). */
  private withdrawAdvert: () => Promise<void> = async () => {};
  /** Campaigns this worker has said it leaves to others (see the campaign processor). */
  private readonly leftAlone = new Set<string>();
  /**
   * The name its BullMQ workers connect under and its advert is kept at (see worker-registry.ts):
   * hostname:pid, and a number when one process runs several services.
   */
  readonly name: string;
  /** What this worker's drivers and trials may run (its options merged with its environment). */
  readonly permissions: Permissions;

  private constructor(private readonly opts: WorkerServiceOptions) {
    const log = opts.log;
    // Whatever a worker logs passes through the redaction first (errors can quote replies).
    if (log) this.opts = { ...opts, log: (m) => log(redactSecrets(m)) };
    servicesStarted += 1;
    this.name = servicesStarted === 1 ? workerName : `${workerName}#${servicesStarted}`;
    this.permissions = permissionsOf(opts);
  }

  /** Where this worker's reports go. */
  get runsDir(): string {
    return path.resolve(this.opts.runsDir ?? process.env['LGT_RUNS_DIR'] ?? 'runs');
  }

  static async start(opts: WorkerServiceOptions): Promise<WorkerService> {
    const service = new WorkerService(opts);
    const wanted = opts.queues ?? ['campaign', 'trials', 'agents'];
    if (wanted.includes('trials')) service.startTrials(await trialProcessor());
    if (wanted.includes('campaign')) service.startCampaigns();
    if (wanted.includes('agents')) service.startAgents();
    await Promise.all(service.workers.map((w) => w.waitUntilReady()));
    await service.advertise(wanted);
    return service;
  }

  /**
   * Tells other processes what this worker may run (see worker-registry.ts), and again now and
   * then while it runs: a campaign that needs what no connected worker may run says so.
   */
  private async advertise(queues: QueueName[]): Promise<void> {
    const redis = createRedis(this.opts.redisUrl);
    this.connections.push(redis);
    const advert = {
      name: this.name,
      queues,
      ...this.permissions,
      startedAt: Date.now(),
    };
    await advertise(redis, advert);
    const timer = setInterval(() => {
      advertise(redis, advert).catch(() => {});
    }, ADVERT_REFRESH_MS);
    timer.unref();
    this.closers.push(() => clearInterval(timer));
    this.withdrawAdvert = () => withdraw(redis, this.name).catch(() => {});
  }

  get concurrency(): number {
    return this.opts.concurrency ?? os.availableParallelism();
  }

  private startTrials(processor: { file: string; execArgv: string[] }): void {
    const { lockDuration, stalledInterval } = timing();
    const worker = new CheckedWorker('trials', processor.file, {
      name: this.name,
      connection: this.bullConnection(),
      prefix: queuePrefix(this.opts.redisUrl),
      concurrency: this.concurrency,
      useWorkerThreads: false,
      // The child runs the same code as this process (see trialProcessor). It finds Redis from
      // here and gets no LLM settings or secrets: training never needs them.
      workerForkOptions: {
        execArgv: processor.execArgv,
        env: {
          ...environmentWithoutSecrets(process.env),
          LGT_WORKER_REDIS_URL: this.opts.redisUrl,
          LGT_WORKER_RUNS_DIR: this.runsDir,
          ...(this.opts.taskDirs?.length
            ? { LGT_TASK_DIRS: this.opts.taskDirs.map((d) => path.resolve(d)).join(path.delimiter) }
            : {}),
          ...(this.opts.commands?.length
            ? { LGT_ALLOW_COMMANDS: JSON.stringify(this.opts.commands) }
            : {}),
          // Its trials read data from where this worker may (see allowedDataDirs).
          LGT_DATA_DIR: allowedDataDirs(this.opts.dataDirs).join(path.delimiter),
        },
      },
      lockDuration,
      stalledInterval,
      maxStalledCount: 3,
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (job)
        this.opts.log?.(
          `trial job ${job.id} failed (attempt ${job.attemptsMade}): ${error.message}`,
        );
    });
    worker.on('error', (error) => this.opts.log?.(`trials worker: ${error.message}`));
    this.workers.push(worker);
  }

  private startCampaigns(): void {
    const { lockDuration, stalledInterval } = timing();
    this.queues = openQueues(this.opts.redisUrl);
    const redis = createRedis(this.opts.redisUrl);
    const blocking = createRedis(this.opts.redisUrl);
    this.connections.push(redis, blocking);
    const store = new CampaignStore(redis, queuePrefix());
    const driver = new CampaignDriver(store, this.queues, blocking, {
      runsDir: this.runsDir,
      ...(this.opts.taskDirs ? { taskDirs: this.opts.taskDirs } : {}),
      ...(this.opts.commands ? { commands: this.opts.commands } : {}),
      ...(this.opts.dataDirs ? { dataDirs: this.opts.dataDirs } : {}),
    });
    const worker: Worker = new CheckedWorker(
      'campaign',
      async (job: Job<{ campaignId: string }>, token?: string, lost?: AbortSignal) => {
        const campaignId = String(job.data?.campaignId ?? '');
        try {
          if (!CAMPAIGN_ID_PATTERN.test(campaignId))
            throw new InvalidStoredRecordError(`campaign job ${job.id}`, [
              `campaignId: ${JSON.stringify(campaignId).slice(0, 80)} is not a campaign id`,
            ]);
          // A task this worker may not run is left for one that may, never failed here; a
          // cancel that only a driver could finish is finished here (no task needed for it).
          // (A finished one needs no task: its driver returns at once.)
          const campaign = await store.getCampaign(campaignId).catch(() => null);
          const refusal =
            campaign &&
            !FINISHED_CAMPAIGN.includes(campaign.status) &&
            refusalOf(campaign.request.task, this.permissions);
          if (campaign && refusal) {
            if (campaign.status === 'cancelling') {
              await closeWithoutDriver(
                store,
                this.queues!,
                campaignId,
                'no worker that may run its task drove it',
              );
              return { status: 'cancelled' };
            }
            // Said once per campaign: the job comes back every second or two until one may.
            if (!this.leftAlone.has(campaignId)) {
              this.leftAlone.add(campaignId);
              this.opts.log?.(
                `campaign ${campaignId} left for a worker that may run it: ${refusal}`,
              );
            }
            await leaveForAnotherWorker(job, token);
          }
          // Stops on a hand-back (this worker shuts down) or when the job's lock is lost.
          const signal = lost
            ? AbortSignal.any([this.handBack.signal, lost])
            : this.handBack.signal;
          const record = await driver.drive(campaignId, signal);
          return { status: record.status };
        } catch (error) {
          // This worker is shutting down: the job goes back to the queue (its lock is valid).
          if (error instanceof DriverHandedBack && this.handBack.signal.aborted) throw error;
          // A newer driver holds the campaign (or will: the lock is lost): this one's job is
          // gone, it has nothing more to say.
          if (error instanceof FencedOutError || lost?.aborted) {
            this.opts.log?.(`driver of ${campaignId} stopped: ${(error as Error).message}`);
            return { status: 'handed-over' };
          }
          if (error instanceof DelayedError) throw error;
          // A hand-back, or a passing fault (Redis away): another attempt resumes the campaign.
          // The same error again and again (the task does not load here, ...) fails it, saying
          // why; a record that is not lgt's will not become one, so it fails at once.
          const refused = error instanceof InvalidStoredRecordError;
          if (
            error instanceof DriverHandedBack ||
            (!refused && job.attemptsMade + 1 < DRIVER_FAILURES_BEFORE_GIVING_UP)
          )
            throw error;
          const message = (error as Error).message;
          this.opts.log?.(`campaign ${campaignId} failed: ${message}`);
          if (refused) {
            // Its record cannot be changed (it does not parse): the log says why instead (a
            // job that names no campaign has no log: this worker's says it).
            if (CAMPAIGN_ID_PATTERN.test(campaignId))
              await store.appendEvent(campaignId, { type: 'campaign.failed', error: message });
          } else {
            await failCampaign(store, campaignId, message);
          }
          return { status: 'failed' };
        }
      },
      {
        name: this.name,
        connection: this.bullConnection(),
        prefix: queuePrefix(this.opts.redisUrl),
        concurrency: 50,
        lockDuration,
        stalledInterval,
        // A driver that stalls (its process died) is simply resumed by the next worker.
        maxStalledCount: 1000,
      },
    );
    worker.on('error', (error) => this.opts.log?.(`campaign worker: ${error.message}`));
    // A driver whose lock could not be renewed (Redis was away longer than the lock, or this
    // process was paused) has lost its campaign to the stalled-job check: stop it now.
    worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) worker.cancelJob(id, 'the lock on this campaign was lost');
    });
    this.workers.push(worker);
  }

  /**
   * LLM calls, under a rate limit shared by every worker (BullMQ's limiter lives in Redis). Only
   * a process with LLM settings serves this queue: the key stays on the machines that have it.
   */
  private startAgents(): void {
    const settings = llmSettingsFromEnv();
    if (!settings) return;
    const redis = createRedis(this.opts.redisUrl);
    this.connections.push(redis);
    const worker = new CheckedWorker('agents', agentCallProcessor(redis, AGENT_SCHEMAS), {
      name: this.name,
      connection: this.bullConnection(),
      prefix: queuePrefix(this.opts.redisUrl),
      concurrency: 4,
      limiter: { max: Math.max(1, Math.round(settings.ratePerMinute)), duration: 60_000 },
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (job) this.opts.log?.(`agent call ${job.name} failed: ${error.message}`);
    });
    worker.on('error', (error) => this.opts.log?.(`agents worker: ${error.message}`));
    this.workers.push(worker);
  }

  /** BullMQ's connection for one worker (a cluster's client is shared: closed with the rest). */
  private bullConnection(): ReturnType<typeof bullConnection>['connection'] {
    const bull = bullConnection(this.opts.redisUrl);
    this.closers.push(bull.close);
    return bull.connection;
  }

  async close(force = false): Promise<void> {
    this.handBack.abort();
    if (force) for (const w of this.workers) w.cancelAllJobs('worker shutting down');
    await Promise.all(this.workers.map((w) => w.close(force)));
    await this.withdrawAdvert();
    await this.queues?.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
    for (const close of this.closers) close();
  }
}
