import { Worker, type Job, type JobJson } from 'bullmq';

/** What a job whose data in Redis is not JSON carries instead, so its processor can refuse it. */
export const UNREADABLE_JOB_DATA = { lgtUnreadableJobData: 'the job data in Redis is not JSON' };

/**
 * A BullMQ worker that takes a job whose data is not JSON (written to Redis by something other
 * than lgt) as a job like any other, with UNREADABLE_JOB_DATA as its data: its processor refuses
 * it once, and it ends failed under its own id. BullMQ's own worker fails to build such a job and
 * leaves it active, to be found stalled and taken again, logging an error without its id.
 */
export class CheckedWorker<D = unknown, R = unknown> extends Worker<D, R> {
  protected override createJob(data: JobJson, jobId: string): Job<D, R, string> {
    try {
      return super.createJob(data, jobId);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return super.createJob({ ...data, data: JSON.stringify(UNREADABLE_JOB_DATA) }, jobId);
    }
  }
}
