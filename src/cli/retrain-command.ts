import path from 'node:path';
import type { Command } from 'commander';
import type { Job } from 'bullmq';
import { FINISHED_CAMPAIGN } from '../contracts/campaign-record.ts';
import { retrainJobDataOf, TrialJobResultSchema } from '../contracts/trial-job.ts';
import { jobIds } from '../queue/lgt-queues.ts';
import { workersFor } from '../campaign/waiting-for.ts';
import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { writeModel } from '../trials/saved-model.ts';
import { ownPermissionsOf } from '../task-kinds/task-spec.ts';
import { WorkerService } from '../worker/worker-service.ts';
import { formatNumber } from '../format/display-format.js';
import { addRedisOption, openCommandContext, parseInteger } from './cli-options.ts';
import { UsageError } from './usage-error.ts';
import { describeConstraint } from '../contracts/trade-off.ts';

/** How often the command looks whether its job has finished. */
const POLL_MS = 200;

/**
 * `lgt retrain <campaign> --trial N`: a finished campaign's completed trial trained again, as it
 * was trained, and its model saved: a front member other than the pick, for `lgt predict`. The
 * test split is not scored (it was scored once, for the pick). Workers that serve the queue do
 * the training; with none, this process starts its own, as `lgt run` does.
 */
export function registerRetrainCommand(program: Command): void {
  addRedisOption(
    program
      .command('retrain')
      .argument('<campaign>', 'campaign id')
      .description(
        "train a finished campaign's trial again and save its model (a front member other than the pick), for lgt predict",
      )
      .requiredOption(
        '--trial <n>',
        'the trial to retrain (lgt status lists the front)',
        parseInteger('--trial', 1),
      )
      .option('--out <dir>', 'where the model goes (default: <report>/models/trial-<n>)'),
  ).action(async (id: string, opts: { trial: number; out?: string; redisUrl?: string }) => {
    const ctx = await openCommandContext(opts.redisUrl ? { redisUrl: opts.redisUrl } : {});
    let local: WorkerService | null = null;
    try {
      const campaign = await ctx.store.requireCampaign(id);
      if (!FINISHED_CAMPAIGN.includes(campaign.status))
        throw new UsageError(
          `campaign ${id} is ${campaign.status}: retrain a trial once the campaign has finished`,
        );
      if (campaign.request.task.kind === 'command')
        throw new UsageError(`campaign ${id} tunes a command: lgt trains no model for it`);
      const trial = await ctx.store.getTrial(id, opts.trial);
      if (!trial) throw new UsageError(`campaign ${id} has no trial ${opts.trial}`);
      if (trial.state !== 'completed' || trial.segment)
        throw new UsageError(
          `trial ${opts.trial} of ${id} is ${trial.state}${trial.segment ? ' (a stretch of a run)' : ''}: only a completed search trial has a model to retrain`,
        );
      const objectives = ObjectiveSet.of(campaign.request, campaign.metric);
      const broken = objectives.constraints.filter((c) => {
        const v = objectives.valueOf(trial, c.metric);
        return v === undefined || (c.op === '<=' ? v > c.bound : v < c.bound);
      });
      if (broken.length)
        process.stderr.write(
          `note: trial ${opts.trial} breaks ${broken.map(describeConstraint).join(' and ')}; retraining it anyway\n`,
        );
      const dir = path.resolve(
        opts.out ??
          path.join(
            campaign.reportDir ?? path.join(campaign.request.outputDir, id),
            'models',
            `trial-${opts.trial}`,
          ),
      );
      const served = (await workersFor(ctx.queues, ctx.connection, campaign.request.task)).trials;
      if (served === 0) {
        local = await WorkerService.start({
          redisUrl: ctx.redis.url,
          concurrency: 1,
          runsDir: campaign.request.outputDir,
          ...ownPermissionsOf(campaign.request.task, campaign.request.dataDirs),
          // Only trials: the campaign has finished, and no other campaign is this command's.
          queues: ['trials'],
        });
        process.stderr.write('no worker serves the trials queue: started one in this process\n');
      }
      const jobId = jobIds.retrain(id, opts.trial);
      // An earlier retrain of the same trial is the same job: its result is reused. One that
      // failed (its worker's data was missing, say) is tried afresh rather than reported again.
      const earlier = await ctx.queues.trials.getJob(jobId);
      if (earlier && (await earlier.isFailed())) await earlier.remove();
      await ctx.queues.trials.add('retrain', retrainJobDataOf(id, trial), { jobId });
      process.stderr.write(`retraining trial ${opts.trial} of ${id} ...\n`);
      const result = await waitForJob(ctx.queues.trials, jobId);
      if (!result.model) throw new Error(`the retrain of trial ${opts.trial} returned no model`);
      await writeModel(dir, result.model);
      const metric = campaign.metric.name;
      const again = result.validation[metric];
      process.stdout.write(
        `retrained #${opts.trial}: validation ${metric} ${formatNumber(again)} (the trial scored ${formatNumber(trial.value)}${again === trial.value ? ', reproduced' : ''}), ${formatNumber(result.parameterCount)} parameters\n` +
          `model: ${dir} (lgt predict --model ${dir} --csv <rows>)\n` +
          "the test split is not scored here: it was scored once, for the campaign's pick\n",
      );
    } finally {
      await local?.close();
      await ctx.close();
    }
  });
}

async function waitForJob(
  queue: { getJobState(id: string): Promise<string>; getJob(id: string): Promise<Job | undefined> },
  jobId: string,
) {
  for (;;) {
    const state = await queue.getJobState(jobId);
    if (state === 'unknown') throw new Error(`the retrain job ${jobId} disappeared from the queue`);
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(jobId);
      if (state === 'failed')
        throw new Error(`the retrain failed: ${job?.failedReason ?? 'no reason given'}`);
      return TrialJobResultSchema.parse(job?.returnvalue);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
