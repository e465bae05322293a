import { DelayedError } from 'bullmq';
import { millisecondsFromEnv } from '../env/milliseconds-from-env.ts';

/** A job as both an in-process and a sandboxed processor hold it. */
interface MovableJob {
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

/**
 * Puts back a job this worker may not run (a command, module or data file its operator did not
 * allow), without using up an attempt (BullMQ's moveToDelayed skips the count), and ends its
 * processing here. It waits a moment first, so that the worker that just refused it is not the
 * one that takes it again at once; a worker that may run it takes it then. With no such worker
 * connected, the job keeps coming back, and `lgt status` says what it waits for (waiting-for.ts).
 */
export async function leaveForAnotherWorker(job: MovableJob, token?: string): Promise<never> {
  const pause = millisecondsFromEnv('LGT_LEAVE_MS', 1_000);
  // Spread in time, so that two refusing workers do not take it in turn forever.
  await job.moveToDelayed(Date.now() + pause * (1 + Math.random()), token);
  throw new DelayedError('left for a worker that may run its task');
}
