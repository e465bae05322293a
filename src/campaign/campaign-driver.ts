import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { campaignPick } from '../trade-offs/trade-off-report.ts';
import { describePickRule } from '../contracts/trade-off.ts';
import { LgtError } from '../errors/lgt-error.ts';
import { FencedOutError, TrialBudgetSpentError } from './store-errors.ts';
import { z } from 'zod';
import { llmBudgetSpent } from '../strategies/strategy-context.ts';
import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../queue/redis-connection.ts';
import { createStrategy } from './create-strategy.ts';
import { strategyContextsOf } from './campaign-strategy-context.ts';
import type { Strategy } from '../strategies/strategy.ts';
import { TrialView } from './trial-view.ts';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import { duplicateRedis } from '../queue/redis-connection.ts';
import type { AnyTask } from '../task-kinds/task.ts';
import { parseStored } from '../contracts/stored-record.ts';
import {
  TrialJobResultSchema,
  finalJobDataOf,
  sameJobData,
  trialJobDataOf,
  type TrialJobResult,
} from '../contracts/trial-job.ts';
import {
  FINISHED_CAMPAIGN,
  type BestTrial,
  type CampaignRecord,
  type EnsemblePlan,
} from '../contracts/campaign-record.ts';
import { FINISHED_TRIAL, type TrialRecord, checkpointKey } from '../contracts/trial-record.ts';
import { type CampaignStore } from './campaign-store.ts';
import { reportDirFor, writeReport } from './report-writer.ts';
import { dropWaitingTrials } from './drop-waiting-trials.ts';
import { loadTask, type LoadTaskOptions } from '../catalog/task-registry.ts';
import { workerName } from '../env/worker-name.ts';
import { beats, bestOf, offerBest } from '../trials/campaign-best.ts';
import { epochsCommitted, plannedEpochs } from '../trials/epoch-budget.ts';
import { FileArtifactStore } from '../files/artifact-store.ts';
import { describeTuning } from '../format/display-format.js';
import { ensembleRoundsOf } from '../contracts/campaign-request.ts';
import {
  MAX_ENSEMBLE_CANDIDATES,
  decodeKept,
  planEnsemble,
  predictionsToDrop,
} from './campaign-ensemble.ts';
import { confirmationBudget } from '../strategies/confirming-strategy.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';

/** What a driver may load and read (see LoadTaskOptions), and how it runs. */
export interface DriverOptions extends LoadTaskOptions {
  /** Longest wait for news between two looks at the campaign. */
  pollMs?: number;
  /** Where reports may be written: a request's outputDir outside these is not used (see reportDirFor). */
  runsDir?: string;
}

/**
 * Trials proposed and written per step of the loop: between two batches the driver looks at the
 * campaign again, so a cancellation stops a large --parallel within one batch.
 */
const PROPOSAL_BATCH = 32;

/**
 * A campaign whose first trials all fail (after their retries) has a broken task, data or worker,
 * not unlucky configurations: it stops rather than failing every trial of its budget. A trial
 * whose training diverged or timed out was trained, so it says something about its configuration
 * only.
 */
const FAILURES_BEFORE_GIVING_UP = 3;

function firstTrialsAllFailed(trials: TrialRecord[]): boolean {
  const finished = trials.filter(
    (t) => t.state !== 'cancelled' && FINISHED_TRIAL.includes(t.state),
  );
  return (
    finished.length >= FAILURES_BEFORE_GIVING_UP &&
    finished.every((t) => t.state === 'failed' && t.trainStatus !== 'diverged' && !t.timedOut)
  );
}

/**
 * The most trials a campaign may have. The in-run modes decide their own number of stretches
 * (the run's epochs, --decide-every, --attempts, --population), so only the hard cap holds there.
 */
function trialLimit(request: CampaignRecord['request']): number {
  return request.mode === 'search' ? request.maxTrials : IN_RUN_TRIAL_CAP;
}
const IN_RUN_TRIAL_CAP = 100_000;

/** Thrown when a driver hands its campaign back (its worker is shutting down). */
export class DriverHandedBack extends LgtError {
  constructor() {
    super(
      'handed-back',

      'the driver handed the campaign back: its worker is shutting down; another worker resumes it',
    );
    this.name = 'DriverHandedBack';
  }
}

/**
 * Drives one campaign to its end: asks the strategy for configurations, writes each as a trial
 * (numbered atomically) before adding its job (id derived from campaign and trial, so a job is
 * never added twice), notices finished and failed trials, stops on the budget, then retrains the
 * best configuration once to score the test split and writes the report. Everything it knows is
 * read from Redis at every step, so a driver that dies is replaced by another that carries on.
 */
export class CampaignDriver {
  private readonly pollMs: number;

  constructor(
    private readonly store: CampaignStore,
    private readonly queues: LgtQueues,
    /**
     * A connection for blocking reads of the event stream. Each campaign driven gets a duplicate
     * of it: a blocking read holds its connection, so drivers sharing one would wait in turn.
     */
    private readonly blocking: RedisClient,
    private readonly options: DriverOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 2000;
  }

  /**
   * Claims the campaign (fencing out any earlier driver: see CampaignStore.claimDriver) and
   * drives it with writes that Redis refuses once a newer driver has claimed it in turn.
   */
  async drive(campaignId: string, signal?: AbortSignal): Promise<CampaignRecord> {
    const claimed = await this.store.claimDriver(campaignId);
    // Its own connection for the blocking reads: ten campaigns driven by one worker process
    // took 11 times as long as one when they shared it (bench/scale.ts, the fleet). Named, so
    // that CLIENT LIST shows which campaign each is waiting for.
    const blocking = duplicateRedis(this.blocking, `lgt-driver:${campaignId}`);
    try {
      const fenced = new CampaignDriver(claimed.store, this.queues, blocking, this.options);
      return await fenced.driveClaimed(campaignId, signal);
    } finally {
      blocking.disconnect();
    }
  }

  private async driveClaimed(campaignId: string, signal?: AbortSignal): Promise<CampaignRecord> {
    let campaign = await this.store.requireCampaign(campaignId);
    if (FINISHED_CAMPAIGN.includes(campaign.status)) return campaign;
    if (campaign.status === 'queued') {
      const started = await this.store.setCampaignStatus(campaignId, 'running', ['queued'], {
        startedAt: Date.now(),
      });
      if (started) {
        const r = started.request;
        await this.store.appendEvent(campaignId, {
          type: 'campaign.started',
          task: started.taskName,
          strategy: describeTuning(r),
          maxTrials: r.maxTrials,
          parallel: r.parallel,
          ...(r.strategy === 'lgt' || r.strategy === 'hybrid' || r.mode === 'dynamic'
            ? {
                agents:
                  r.agents === 'llm'
                    ? `LLM (${Object.values(r.llmModels ?? {}).join(', ')})`
                    : 'rule-based stand-ins (no LLM configured)',
              }
            : {}),
        });
      }
    } else {
      await this.store.appendEvent(campaignId, { type: 'campaign.resumed', by: workerName });
    }
    const task = await loadTask(campaign.request.task, this.options);
    const strategy = createStrategy(campaign, task, {
      context: strategyContextsOf(this.store, campaignId),
      agentsQueue: this.queues.agents,
    });
    // What this driver has read of the trials; each round reads only what changed since.
    const view = new TrialView(this.store, campaignId);
    let lastEventId = '$';
    let strategyExhausted = false;
    let epochBudgetSpent = false;

    for (;;) {
      if (signal?.aborted) throw new DriverHandedBack();
      // A driver that lost its job stops here, before its next write (the writes are fenced too).
      if (!(await this.store.holdsFence())) throw new FencedOutError(campaignId);
      campaign = await this.store.requireCampaign(campaignId);
      // Cancelled while queued, before any driver ran: nothing to do.
      if (FINISHED_CAMPAIGN.includes(campaign.status)) return campaign;
      const trials = await view.refresh();
      await this.reconcile(campaign, trials);
      await this.keepFewPredictions(campaign, trials);
      const active = trials.filter((t) => !FINISHED_TRIAL.includes(t.state));
      if (campaign.status === 'cancelling' || campaign.stopReason) {
        await dropWaitingTrials(this.store, this.queues, campaignId, active);
      } else if (firstTrialsAllFailed(trials)) {
        const lastError = trials.findLast((t) => t.state === 'failed')?.error ?? 'unknown error';
        await this.store.updateCampaign(campaignId, (c) =>
          c.stopReason
            ? null
            : {
                ...c,
                stopReason: 'trials-failing',
                error: `the first ${FAILURES_BEFORE_GIVING_UP} trials all failed, so the campaign stopped; fix the cause and run it again. The last error: ${lastError}`,
              },
        );
        continue;
      } else if (this.timeIsUp(campaign)) {
        await this.store.updateCampaign(campaignId, (c) =>
          c.stopReason ? null : { ...c, stopReason: 'time-limit' },
        );
        continue;
      } else if (await this.llmBudgetSpent(campaign)) {
        continue;
      } else if (!strategyExhausted && !epochBudgetSpent) {
        const outcome = await this.proposeMore(campaign, trials, active.length, strategy);
        strategyExhausted = outcome === 'exhausted';
        epochBudgetSpent = outcome === 'epoch-budget';
      }
      const stillActive = (await view.refresh()).filter((t) => !FINISHED_TRIAL.includes(t.state));
      const budgetSpent =
        trials.length >= trialLimit(campaign.request) || strategyExhausted || epochBudgetSpent;
      const stopping = campaign.status === 'cancelling' || campaign.stopReason !== undefined;
      if (stillActive.length === 0 && (budgetSpent || stopping)) {
        const finished = await view.refresh();
        if (campaign.status !== 'cancelling') await strategy.conclude?.(finished);
        return this.finish(campaignId, task, strategy, finished);
      }
      lastEventId = await this.waitForNews(campaignId, lastEventId);
    }
  }

  /**
   * Proposes and enqueues trials up to the parallelism and the budgets. 'exhausted' when the
   * strategy is done: it offers nothing while no trial runs (with trials running it may just be
   * waiting); 'epoch-budget' when a proposal would train past --max-epochs (it is not started).
   */
  private async proposeMore(
    campaign: CampaignRecord,
    trials: TrialRecord[],
    active: number,
    strategy: Strategy,
  ): Promise<'more' | 'exhausted' | 'epoch-budget'> {
    const request = campaign.request;
    const limit = trialLimit(request);
    const count = Math.min(request.parallel - active, limit - trials.length, PROPOSAL_BATCH);
    if (count <= 0) return 'more';
    // Counted only under an epoch budget: a pass over every trial that nothing else needs.
    const budgeted = request.maxEpochs !== undefined;
    let committed = budgeted ? epochsCommitted(trials, request.epochs) : 0;
    if (budgeted && committed >= request.maxEpochs!) return 'epoch-budget';
    const proposals = await strategy.propose(trials, count);
    // What the rules proposed in the LLM's place is not trained where the LLM is required.
    if (await this.llmRequiredButSilent(campaign)) return 'more';
    if (proposals.length === 0) return active === 0 ? 'exhausted' : 'more';
    const byNumber = new Map(budgeted ? trials.map((t) => [t.number, t]) : []);
    for (const p of proposals.slice(0, count)) {
      const config = p.config;
      if (request.maxEpochs !== undefined) {
        const planned = plannedEpochs(
          { config, ...(p.segment ? { segment: p.segment } : {}) },
          request.epochs,
          byNumber,
        );
        if (committed + planned > request.maxEpochs) return 'epoch-budget';
        committed += planned;
      }
      const source = p.source ?? strategy.name;
      // The trial and its proposal event in one step: a driver killed here leaves both or none.
      // Redis refuses a trial beyond the budget, whatever raced for it.
      const trial = await this.store
        .addTrial(
          campaign.id,
          {
            state: 'proposed',
            config,
            reason: p.reason,
            ...(p.expectedEffect ? { expectedEffect: p.expectedEffect } : {}),
            source,
            ...(p.seed !== undefined ? { seed: p.seed } : {}),
            ...(p.foldSeed !== undefined ? { foldSeed: p.foldSeed } : {}),
            ...(p.meta ? { meta: p.meta } : {}),
            ...(p.segment ? { segment: p.segment } : {}),
            proposedAt: Date.now(),
            attempts: 0,
          },
          { type: 'proposal', config, reason: p.reason, source },
          limit,
        )
        .catch((error: unknown) => {
          if (error instanceof TrialBudgetSpentError) return null;
          throw error;
        });
      if (!trial) return 'more';
      await this.enqueue(campaign.id, trial);
    }
    return 'more';
  }

  private async enqueue(campaignId: string, trial: TrialRecord): Promise<void> {
    await this.addTrialJob(campaignId, trial);
    await this.store.transitionTrial(campaignId, trial.number, ['proposed'], 'queued');
  }

  /** Adds a trial's job; its id is derived from campaign and trial, so adding twice is harmless. */
  private async addTrialJob(campaignId: string, trial: TrialRecord): Promise<void> {
    await this.queues.trials.add('trial', trialJobDataOf(campaignId, trial), {
      jobId: jobIds.trial(campaignId, trial.number),
    });
  }

  /**
   * Brings trials in line with their jobs: one written but never enqueued (its driver died
   * between the two) is enqueued; one whose job failed for good is marked failed; one whose job
   * vanished is enqueued again under the same id.
   */
  private async reconcile(campaign: CampaignRecord, trials: TrialRecord[]): Promise<void> {
    for (const t of trials) {
      if (t.state === 'proposed') {
        await this.enqueue(campaign.id, t);
        continue;
      }
      if (t.state !== 'queued' && t.state !== 'running') continue;
      const job = await this.queues.trials.getJob(jobIds.trial(campaign.id, t.number));
      if (!job) {
        await this.addTrialJob(campaign.id, t);
        continue;
      }
      // A job planted at the trial's id before the driver added its own: its worker refuses it
      // (see TrialRunner.checkJob); the trial's own job takes its place.
      if (!sameJobData(job.data, trialJobDataOf(campaign.id, t))) {
        if ((await job.getState()) === 'failed') {
          await job.remove().catch(() => {});
          await this.addTrialJob(campaign.id, t);
        }
        continue;
      }
      if ((await job.getState()) === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        const error = job.failedReason || 'the trial job failed';
        const failed = await this.store.transitionTrial(
          campaign.id,
          t.number,
          ['queued', 'running'],
          'failed',
          {
            finishedAt: Date.now(),
            error,
            value: null,
          },
        );
        if (failed) {
          await this.store.appendEvent(campaign.id, {
            type: 'trial.failed',
            trial: t.number,
            attempt: job.attemptsMade,
            attempts: job.opts.attempts ?? 1,
            error,
            final: true,
          });
        }
      }
    }
  }

  /**
   * A campaign that requires its LLM (llmRequired) stops, failed, at the first agent turn the
   * rules answered in its place, naming why (the endpoint and its error); true then.
   */
  private async llmRequiredButSilent(c: CampaignRecord): Promise<boolean> {
    if (!c.request.llmRequired || c.request.agents !== 'llm') return false;
    const usage = await this.store.getLlmUsage(c.id);
    if (usage.fallbacks === 0) return false;
    await this.store.updateCampaign(c.id, (now) =>
      now.stopReason
        ? null
        : {
            ...now,
            stopReason: 'llm-unavailable',
            error: `the LLM did not answer and the campaign requires it (--llm-required), so it stopped: ${usage.firstFallback ?? 'an agent turn fell back to the rules'}`,
          },
    );
    return true;
  }

  /**
   * Stops the campaign cleanly once its agents' LLM calls have used the budget (said once, in
   * the log); true then. The strategy counts the usage, the driver enforces it, as every budget.
   */
  private async llmBudgetSpent(c: CampaignRecord): Promise<boolean> {
    const budget = c.request.llmBudget;
    if (!budget || c.request.agents !== 'llm') return false;
    const spent = await this.store.getLlmUsage(c.id);
    if (!llmBudgetSpent(budget, spent)) return false;
    const stopped = await this.store.updateCampaign(c.id, (now) =>
      now.stopReason ? null : { ...now, stopReason: 'llm-budget' },
    );
    if (stopped) {
      const limit = [
        budget.tokens !== undefined ? `${budget.tokens} tokens` : '',
        budget.costUsd !== undefined ? `$${budget.costUsd}` : '',
      ]
        .filter(Boolean)
        .join(' / ');
      await this.store.appendEvent(c.id, {
        type: 'llm.budget',
        tokens: spent.tokens,
        costUsd: spent.costUsd,
        limit,
      });
    }
    return true;
  }

  private timeIsUp(c: CampaignRecord): boolean {
    const limit = c.request.timeLimitSeconds;
    return (
      limit !== undefined && c.startedAt !== undefined && Date.now() - c.startedAt > limit * 1000
    );
  }

  /** Blocks until the campaign's stream has a new event (or the poll interval passes). */
  private async waitForNews(campaignId: string, afterId: string): Promise<string> {
    const events = await this.store.readEvents(campaignId, afterId, {
      blockMs: this.pollMs,
      count: 100,
      client: this.blocking,
    });
    return events.at(-1)?.id ?? afterId;
  }

  /**
   * Makes the campaign's best agree with its trials before it finishes. A worker writes a
   * finished trial, then offers it as the best: a driver can see the trial before the best (it
   * did, under load: a one-trial campaign then "found nothing"), and a worker that dies in
   * between leaves the best unwritten. The best completed trial is offered here too, by the
   * workers' rule (see offerBest).
   */
  private async settleBest(campaignId: string, trials: readonly TrialRecord[]): Promise<void> {
    const campaign = await this.store.requireCampaign(campaignId);
    const { direction } = campaign.metric;
    const objectives = ObjectiveSet.of(campaign.request, campaign.metric);
    let best: BestTrial | undefined;
    for (const t of trials) {
      // A re-evaluation's value is on other folds: not comparable with the search's values.
      if (t.state !== 'completed' || typeof t.value !== 'number' || t.segment) continue;
      if (t.foldSeed !== undefined || !objectives.isFeasible(t)) continue;
      const candidate = bestOf(t, t.value);
      if (!best || beats(candidate, best, direction)) best = candidate;
    }
    if (best) await offerBest(this.store, campaignId, direction, best);
  }

  /** Scores the best configuration on the test split (once), writes the report, closes the campaign. */
  private async finish(
    campaignId: string,
    task: AnyTask,
    strategy: Strategy,
    trials: readonly TrialRecord[],
  ): Promise<CampaignRecord> {
    // The best by value first (a worker may have died before offering its trial); a strategy
    // that names its result (an in-run mode's run, a re-evaluated pick) has the last word.
    await this.settleBest(campaignId, trials);
    if (strategy.resultTrial) await this.takeResult(campaignId, strategy);
    await this.takePick(campaignId);
    await this.chooseEnsemble(campaignId, task, trials);
    const campaign = await this.store.requireCampaign(campaignId);
    const cancelled = campaign.status === 'cancelling';
    let final: TrialJobResult | null = null;
    let finalError: string | undefined;
    // A campaign stopped for want of its LLM failed: its best is not worth a final retrain.
    if (!cancelled && campaign.best && campaign.stopReason !== 'llm-unavailable') {
      try {
        final = await this.runFinal(campaign);
        // Said once, whichever driver gets here (one that took over after an outage comes back
        // to this point with the same result).
        const first = await this.store.updateState(campaignId, 'final-logged', z.number(), (now) =>
          now === null ? Date.now() : null,
        );
        if (first)
          await this.store.appendEvent(campaignId, {
            type: 'campaign.final',
            trial: campaign.best.trial,
            validation: final.validation,
            test: final.test ?? { loss: NaN },
            ...(final.ensemble ? { members: final.ensemble.members.map((m) => m.trial) } : {}),
          });
      } catch (error) {
        finalError = (error as Error).message;
      }
    }
    // A campaign none of whose trials gave a finite result found nothing: it failed, whatever
    // its budget says (degenerate data, a broken task), and says so.
    const nothingFound = !cancelled && !campaign.best;
    const status = cancelled
      ? 'cancelled'
      : campaign.stopReason === 'trials-failing' ||
          campaign.stopReason === 'llm-unavailable' ||
          nothingFound
        ? 'failed'
        : 'completed';
    const closing: Partial<CampaignRecord> = {
      finishedAt: Date.now(),
      reportDir: reportDirFor(campaign, this.options.runsDir),
      ...(finalError
        ? { error: `scoring the best configuration on the test split failed: ${finalError}` }
        : {}),
      ...(nothingFound && !campaign.error
        ? {
            error: ObjectiveSet.of(campaign.request, campaign.metric).isTradeOff
              ? `no trial can be shipped: none is complete, feasible and meets the pick rule (${describePickRule(campaign.request.pick ?? { kind: 'knee' })}); lgt status shows the trials' objectives and which constraints they break`
              : 'no trial produced a finite validation result (every one failed, diverged or was cancelled); see lgt logs for the errors',
          }
        : {}),
    };
    // The report describes the campaign as it is about to be stored: finished.
    const reportDir = await writeReport(
      this.store,
      { ...campaign, ...closing, status },
      task,
      final,
      finalError,
    );
    await this.dropCheckpoints(campaign, reportDir);
    const closed = await this.store.setCampaignStatus(
      campaignId,
      status,
      ['running', 'cancelling'],
      closing,
    );
    if (closed) {
      await this.store.appendEvent(campaignId, {
        type: 'campaign.finished',
        status,
        best: campaign.best ? { trial: campaign.best.trial, value: campaign.best.value } : null,
        reportDir,
      });
    }
    return this.store.requireCampaign(campaignId);
  }

  /**
   * Keeps the predictions of the trials an ensemble could still use (see predictionsToDrop):
   * looked at only once there are more than that, so a short campaign never lists them.
   */
  private async keepFewPredictions(
    campaign: CampaignRecord,
    trials: readonly TrialRecord[],
  ): Promise<void> {
    if (ensembleRoundsOf(campaign.request) === 0) return;
    const room = MAX_ENSEMBLE_CANDIDATES + confirmationBudget(campaign.request.maxTrials) + 10;
    if ((await this.store.predictionCount(campaign.id)) <= room) return;
    const kept = await this.store.predictionTrials(campaign.id);
    await this.store.dropPredictions(campaign.id, predictionsToDrop(kept, trials, campaign.metric));
  }

  /**
   * Selects the ensemble the final model may be (see planEnsemble) and writes it to the campaign
   * once: a driver that takes over after the final job was added finds the same members there.
   */
  private async chooseEnsemble(
    campaignId: string,
    task: AnyTask,
    trials: readonly TrialRecord[],
  ): Promise<void> {
    const campaign = await this.store.requireCampaign(campaignId);
    const rounds = ensembleRoundsOf(campaign.request);
    if (campaign.status === 'cancelling' || campaign.ensemble || !campaign.best) return;
    if (rounds === 0 || isObjectiveTask(task)) return;
    const kept = await this.store.getPredictions(
      campaignId,
      trials.filter((t) => t.state === 'completed').map((t) => t.number),
    );
    // Bytes from Redis: a record that is not predictions is left out (and said), never trusted.
    const refused: string[] = [];
    const predictions = decodeKept(campaignId, kept, (why) => refused.push(why));
    let plan: EnsemblePlan | null;
    try {
      plan = planEnsemble({
        trials,
        predictions,
        kind: task.kind,
        metric: campaign.metric,
        rounds,
        request: campaign.request,
        pick: campaign.best.trial,
      });
    } catch (error) {
      // The single pick ships: an ensemble is a bonus, never a reason to lose the campaign.
      refused.push(`no ensemble: ${(error as Error).message}`);
      plan = null;
    }
    for (const why of refused)
      await this.store.appendEvent(campaignId, {
        type: 'campaign.ensemble',
        members: [],
        ships: false,
        verdict: why,
      });
    if (!plan) return;
    const written = await this.store.updateCampaign(campaignId, (c) =>
      c.ensemble ? null : { ...c, ensemble: plan },
    );
    if (written)
      await this.store.appendEvent(campaignId, {
        type: 'campaign.ensemble',
        members: plan.members.map((m) => ({ trial: m.trial, weight: m.weight })),
        ships: plan.ships,
        verdict: plan.verdict,
      });
  }

  /**
   * In-run modes: once the result is scored and saved, the stretches' checkpoints are no longer
   * needed but the result's own (the run's end state, from which it could be trained on).
   */
  private async dropCheckpoints(campaign: CampaignRecord, reportDir: string): Promise<void> {
    if (campaign.request.mode === 'search') return;
    const artifacts = new FileArtifactStore(reportDir);
    for (const t of await this.store.listTrials(campaign.id))
      if (t.segment && t.number !== campaign.best?.trial)
        await artifacts.delete(checkpointKey(t.number));
  }

  /**
   * In-run modes: the campaign's result is the trial the strategy names (the run's end), not
   * the stretch with the best value; it becomes the campaign's best before the final scoring.
   */
  private async takeResult(campaignId: string, strategy: Strategy): Promise<void> {
    const trials = await this.store.listTrials(campaignId);
    const number = await strategy.resultTrial!(trials);
    const t = trials.find((x) => x.number === number);
    if (!t || typeof t.value !== 'number') return;
    const value = t.value;
    await this.store.updateCampaign(campaignId, (c) =>
      c.best?.trial === t.number ? null : { ...c, best: bestOf(t, value) },
    );
  }

  /**
   * A trade-off: the trial the campaign ships is the front member its rule picks (see
   * pickTrial), which becomes its best before the final scoring; none when no feasible trial
   * meets the rule (the campaign then ships nothing and says why). Said once in the log.
   */
  private async takePick(campaignId: string): Promise<void> {
    const campaign = await this.store.requireCampaign(campaignId);
    const objectives = ObjectiveSet.of(campaign.request, campaign.metric);
    if (!objectives.isTradeOff) return;
    const trials = await this.store.listTrials(campaignId);
    const pick = campaignPick(objectives, campaign.request, trials);
    const t = pick.trial;
    await this.store.updateCampaign(campaignId, (c) => {
      if (!t) return c.best ? { ...c, best: undefined } : null;
      if (c.best?.trial === t.number) return null;
      return { ...c, best: bestOf(t, t.value!) };
    });
    const first = await this.store.updateState(campaignId, 'pick-logged', z.number(), (now) =>
      now === null ? Date.now() : null,
    );
    if (first)
      await this.store.appendEvent(campaignId, {
        type: 'campaign.picked',
        trial: t?.number ?? null,
        rule: describePickRule(campaign.request.pick ?? { kind: 'knee' }),
        reason: pick.reason,
        ...(t ? { values: objectives.valuesOf(t)! } : {}),
      });
  }

  /** Adds (or finds, after a restart) the final job and waits for its result. */
  private async runFinal(campaign: CampaignRecord): Promise<TrialJobResult> {
    const best = campaign.best!;
    const trial = await this.store.getTrial(campaign.id, best.trial);
    const data = finalJobDataOf(campaign.id, best, trial, campaign.ensemble);
    const queue: Queue = this.queues.trials;
    await queue.add('final', data, { jobId: jobIds.final(campaign.id) });
    for (;;) {
      // State first, then the job (see QueuedLlmClient): its return value is there once completed.
      const state = await queue.getJobState(jobIds.final(campaign.id));
      if (state === 'unknown') throw new Error('the final job disappeared from the queue');
      if (state === 'completed' || state === 'failed') {
        const job: Job | undefined = await queue.getJob(jobIds.final(campaign.id));
        if (state === 'completed')
          return parseStored(
            TrialJobResultSchema,
            `the final job of ${campaign.id}`,
            job!.returnvalue,
          );
        if (job!.attemptsMade >= (job!.opts.attempts ?? 1))
          throw new Error(job!.failedReason || 'failed');
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
