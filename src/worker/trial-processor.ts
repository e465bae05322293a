/**
 * The BullMQ sandboxed processor of the `trials` queue: it runs in a child process of the worker
 * (so training never blocks the worker's event loop, a crash kills only the trial, and memory is
 * given back when the process ends). The child is reused for later trials, so its Redis
 * connection and the data sets it loaded stay between them.
 */
import { UnrecoverableError, WaitingError, type SandboxedJob } from 'bullmq';
import { createRedis } from '../queue/redis-connection.ts';
import { jobIds, queuePrefix } from '../queue/lgt-queues.ts';
import { TaskTrainer } from '../trainer/task-trainer.ts';
import { InvalidStoredRecordError, parseStored } from '../contracts/stored-record.ts';
import {
  TrialJobDataSchema,
  type TrialJobData,
  type TrialJobResult,
} from '../contracts/trial-job.ts';
import { CampaignStore } from '../campaign/campaign-store.ts';
import { TaskDataCache } from '../trials/task-data-cache.ts';
import {
  TrialHandedBack,
  TrialJobRefused,
  TrialNotAllowedHere,
  TrialRunner,
} from '../trials/trial-runner.ts';
import { leaveForAnotherWorker } from './leave-for-another-worker.ts';
import { FileArtifactStore } from '../files/artifact-store.ts';
import { reportDirFor } from '../campaign/report-writer.ts';

let runner: TrialRunner | undefined;

// When the worker process dies (even by SIGKILL) the IPC channel closes: its trials die with it
// rather than train on as orphans; their jobs are retried once the worker's locks expire.
process.on('disconnect', () => process.exit(1));

function trialRunner(): TrialRunner {
  if (!runner) {
    const url = process.env['LGT_WORKER_REDIS_URL'];
    if (!url) throw new Error('LGT_WORKER_REDIS_URL is not set in the trial process');
    runner = new TrialRunner(
      new CampaignStore(createRedis(url), queuePrefix()),
      new TaskTrainer(),
      new TaskDataCache(),
      // Checkpoints go under the campaign's directory, as its report does (see reportDirFor).
      (campaign) =>
        new FileArtifactStore(
          reportDirFor(campaign, process.env['LGT_WORKER_RUNS_DIR'] || undefined),
        ),
    );
  }
  return runner;
}

export default async function processTrial(
  job: SandboxedJob<TrialJobData, TrialJobResult>,
  token?: string,
  signal?: AbortSignal,
): Promise<TrialJobResult> {
  try {
    // A job is data from Redis: checked before anything acts on it, its id included (a driver
    // adds each trial's job at the id derived from campaign and trial, nowhere else).
    const data = parseStored(TrialJobDataSchema, `trial job ${job.id}`, job.data);
    const id = data.final
      ? jobIds.final(data.campaignId)
      : data.retrain
        ? jobIds.retrain(data.campaignId, data.trial)
        : jobIds.trial(data.campaignId, data.trial);
    if (job.id !== id)
      throw new TrialJobRefused(
        `its id is not ${id}, the one ${data.retrain ? 'lgt retrain' : 'a driver'} gives trial ${data.trial} of campaign ${data.campaignId}`,
      );
    return await trialRunner().run(data, {
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    // Not lgt's job: failed once, with the reason the worker logs beside the job's id; another
    // attempt would not make it one.
    if (error instanceof TrialJobRefused || error instanceof InvalidStoredRecordError)
      throw new UnrecoverableError(error.message);
    if (error instanceof TrialNotAllowedHere) return leaveForAnotherWorker(job, token);
    if (!(error instanceof TrialHandedBack)) throw error;
    // Back to waiting without using up an attempt: BullMQ leaves a job alone after a WaitingError.
    await job.moveToWait(token);
    throw new WaitingError(error.message);
  }
}
