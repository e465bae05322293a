import { LgtError } from '../errors/lgt-error.ts';
import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { workerName } from '../env/worker-name.ts';
import type { Trainer, TrialRequest, TrialResult } from '../trainer/trainer.ts';
import type { TrialStore } from './trial-store.ts';
import {
  TrialJobResultSchema,
  type SavedModel,
  type TrialJobData,
  type TrialJobResult,
  finalJobDataOf,
  differingJobFields,
  retrainJobDataOf,
  trialJobDataOf,
} from '../contracts/trial-job.ts';
import {
  FINISHED_TRIAL,
  type TrialRecord,
  checkpointKey,
  DEFAULT_SOURCE,
} from '../contracts/trial-record.ts';
import { FINISHED_CAMPAIGN, type CampaignRecord } from '../contracts/campaign-record.ts';
import type { Config } from '../search-space/search-space.ts';
import { spaceWithEpochs, type AnyTask } from '../task-kinds/task.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import { ensembleRoundsOf, type CampaignRequest } from '../contracts/campaign-request.ts';
import {
  MAX_PREDICTION_VALUES,
  concatFolds,
  encodePredictions,
  type TrialPredictions,
} from '../trainer/trial-predictions.ts';
import { combinePredictions } from '../ensemble/ensemble-selection.ts';
import { metricsOfPredictions, type Metrics } from '../trainer/metrics.ts';
import { createPruner } from './create-pruner.ts';
import type { TaskDataCache } from './task-data-cache.ts';
import { epochHooks } from './epoch-hooks.ts';
import { PeerCurves } from './peer-curves.ts';
import { savedModelOf } from './saved-model.ts';
import { offerBest } from './campaign-best.ts';
import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import type { ArtifactStore } from '../files/artifact-store.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../trainer/checkpoint.ts';
import { typicalTimeLimits, type TimeLimits } from './trial-time-limits.ts';
import { permissionsOf, refusalOf } from '../task-kinds/task-permissions.ts';
import { allowedDataDirs, dataDirsFor } from '../env/data-dirs.ts';
import { AttemptHooks, type PrunedAt } from './attempt-hooks.ts';
import { OwnedTrial } from './owned-trial.ts';
import { stopRequested } from './stop-requested.ts';
import { TrialClock } from './trial-clock.ts';

/** The campaign's state entry that holds its final retrain's result, once. */
const FINAL_RESULT = 'final-result';
/** The campaign's state entry that counts the final retrains started. */
const FINAL_TRAININGS = 'final-trainings';
/** How often a final retrain looks whether another attempt has already finished it. */
const FINAL_LOOK_EVERY_MS = 2_000;
/** Without --trial-timeout, the limits come from the campaign's latest this many trials. */
const TYPICAL_TIMEOUT_SAMPLE = 200;

/** A trial stopped because its worker is shutting down: it goes back to the queue, not to failed. */
export class TrialHandedBack extends LgtError {
  constructor(trial: number) {
    super('handed-back', `trial ${trial} was handed back by ${workerName}, which is shutting down`);
    this.name = 'TrialHandedBack';
  }
}

/**
 * A trial whose task this process may not run (see refusalOf): its job goes back for a worker
 * that may, and the trial stays as it was.
 */
export class TrialNotAllowedHere extends LgtError {
  constructor(reason: string) {
    super('not-allowed-here', reason);
    this.name = 'TrialNotAllowedHere';
  }
}

/**
 * A job that is not the one its trial's record makes (added to the queue by something other
 * than a driver): refused before it changes anything, and not retried.
 */
export class TrialJobRefused extends LgtError {
  constructor(reason: string) {
    super('job-refused', `refused: ${reason}`);
    this.name = 'TrialJobRefused';
  }
}

/**
 * A trial whose job another attempt has taken over (this one's lock expired while Redis was
 * away or its process was paused): it stops training and writes nothing more.
 */
class TrialSuperseded extends LgtError {
  constructor(trial: number) {
    super(
      'superseded',

      `trial ${trial} was taken over by another attempt; ${workerName} stops it without writing`,
    );
    this.name = 'TrialSuperseded';
  }
}

export interface AttemptInfo {
  attempt: number;
  maxAttempts: number;
  signal?: AbortSignal;
}

/**
 * Runs one trial job: marks the trial running, trains it, stores its curve epoch by epoch,
 * prunes or stops it between epochs, and records the outcome in one atomic step. A trial that is
 * already finished (its job ran twice, e.g. after a worker stalled) is not trained again.
 */
export class TrialRunner {
  constructor(
    private readonly store: TrialStore,
    private readonly trainer: Trainer,
    private readonly cache: TaskDataCache,
    /** Where a campaign's checkpoints are kept (in-run modes' stretches). */
    private readonly artifactsFor: (campaign: CampaignRecord) => ArtifactStore = () => {
      throw new Error('this trial runner keeps no checkpoints (no artifact store was given)');
    },
  ) {}

  /**
   * What an in-run stretch adds to its training request: the run's state it starts from, where
   * it stops, and where its end state goes. Nothing for an ordinary trial.
   */
  private async segmentOf(
    campaign: CampaignRecord,
    job: TrialJobData,
  ): Promise<
    Pick<
      TrialRequest,
      'resumeFrom' | 'stopAfterEpoch' | 'checkpointEpochs' | 'onCheckpoint' | 'stepBudget'
    >
  > {
    const segment = job.segment;
    if (!segment) return {};
    const artifacts = this.artifactsFor(campaign);
    const resumeFrom =
      segment.from === undefined
        ? undefined
        : decodeCheckpoint(await artifacts.get(checkpointKey(segment.from)));
    return {
      ...(resumeFrom ? { resumeFrom } : {}),
      stopAfterEpoch: segment.until,
      // A final job only scores the end state; a stretch keeps its own for the next one.
      ...(job.final
        ? {}
        : {
            checkpointEpochs: [segment.until],
            onCheckpoint: (c) => artifacts.put(checkpointKey(job.trial), encodeCheckpoint(c)),
          }),
      // The run's length is the campaign's decision, not the step budget's.
      stepBudget: 0,
    };
  }

  async run(job: TrialJobData, info: AttemptInfo): Promise<TrialJobResult> {
    // A job taken just before its worker began shutting down goes straight back.
    if (info.signal?.aborted) throw new TrialHandedBack(job.trial);
    const campaign = await this.store.requireCampaign(job.campaignId);
    await this.checkJob(campaign, job);
    // Before anything is marked or loaded: another worker may run it (the operator's choice).
    const refusal = refusalOf(campaign.request.task, permissionsOf());
    if (refusal) throw new TrialNotAllowedHere(refusal);
    if (job.final) return this.runFinal(campaign, job, info);
    if (job.retrain) return this.runRetrain(campaign, job, info);
    const token = randomBytes(8).toString('hex');
    const started = await this.markRunning(campaign.id, job.trial, token);
    if (!started) return this.alreadyFinished(campaign.id, job.trial);
    const attempt = new OwnedTrial(this.store, campaign.id, job.trial, token);
    if (stopRequested(campaign)) return this.cancel(attempt);
    await this.store.clearCurve(campaign.id, job.trial);
    await this.store.appendEvent(campaign.id, {
      type: 'trial.started',
      trial: job.trial,
      attempt: started.attempts,
      worker: workerName,
    });
    try {
      return await this.train(campaign, job, info, attempt, started);
    } catch (error) {
      if (error instanceof TrialHandedBack || error instanceof TrialSuperseded) throw error;
      await this.noteFailure(attempt, info, started.attempts, error);
      throw error;
    }
  }

  /** Marks the trial running under this attempt's token; null when it has finished already. */
  private markRunning(id: string, trial: number, token: string): Promise<TrialRecord | null> {
    return this.store.updateTrial(id, trial, (t) =>
      FINISHED_TRIAL.includes(t.state)
        ? null
        : {
            ...t,
            state: 'running',
            attempts: t.attempts + 1,
            startedAt: Date.now(),
            worker: workerName,
            attemptToken: token,
          },
    );
  }

  /**
   * Trains the trial (every fold, with cross-validation) under its time limits, with the hooks
   * that keep its curve, tell the log, stop it on request and prune it; then records the outcome.
   */
  private async train(
    campaign: CampaignRecord,
    job: TrialJobData,
    info: AttemptInfo,
    attempt: OwnedTrial,
    started: TrialRecord,
  ): Promise<TrialJobResult> {
    const request = campaign.request;
    const { task, data } = await this.cache.load(request);
    // The configuration came through Redis: it is checked against the task's space, bounds
    // included, as `lgt trial` checks what a person types.
    const config = parseConfig(task, request, job.config);
    // A stretch of a run is judged at its end by the in-run mode, not pruned on the way. The
    // default runs in full: it is the control every verdict compares with, and its value at
    // a pruned epoch is not its score (a peer that happened to start first pruned it once).
    const pruner =
      job.segment || started.source === DEFAULT_SOURCE
        ? null
        : createPruner(
            request.pruner,
            task.metric.direction,
            request.prunerOptions,
            ObjectiveSet.of(request, task.metric),
          );
    const segment = await this.segmentOf(campaign, job);
    const startEpoch = segment.resumeFrom?.epoch ?? 0;
    const abort = new AbortController();
    info.signal?.addEventListener('abort', () => abort.abort());
    // A fixed --trial-timeout bounds the whole trial; without one, the limit judges progress.
    const clock = new TrialClock(
      request.trialTimeoutSeconds !== undefined
        ? { trial: request.trialTimeoutSeconds, epoch: null }
        : await this.typicalLimits(campaign.id),
      abort,
    );
    try {
      const trainStart = Date.now();
      const foldsOf = isObjectiveTask(task) ? undefined : task.folds?.bind(task);
      const folds =
        request.cv !== undefined && request.cv > 1 && foldsOf && !job.segment ? request.cv : 1;
      const foldData = (k: number) =>
        folds > 1 ? foldsOf!(data, folds, k, job.foldSeed ?? request.splitSeed) : data;
      const hooks = new AttemptHooks(
        this.store,
        attempt,
        folds,
        abort,
        pruner
          ? { pruner, peers: new PeerCurves(this.store, campaign.id, job.trial, pruner) }
          : null,
      );
      // Predictions kept for ensemble selection: model tasks' search trials (an objective
      // predicts nothing; a stretch of a run is not a model of its own).
      const keepPredictions =
        ensembleRoundsOf(request) > 0 && !isObjectiveTask(task) && !job.segment;
      // A trade-off's other objectives ride on each epoch record, for its pruner.
      const objectives = ObjectiveSet.of(request, task.metric);
      const epochMetrics = objectives.isMulti
        ? objectives.objectives.map((o) => o.metric).filter((m) => m !== task.metric.name)
        : [];
      const common = {
        task,
        config,
        seed: job.seed ?? request.seed,
        keepPredictions,
        ...(epochMetrics.length ? { epochMetrics } : {}),
        ...trainingLimits(request),
        signal: abort.signal,
      };
      let result: ScoredResult = await this.trainer.train({
        ...common,
        data: foldData(0),
        trialNumber: job.trial,
        dataDirs: dataDirsFor(request.dataDirs, allowedDataDirs()),
        ...segment,
        onEpoch: epochHooks(
          clock.watchdog,
          hooks.keepCurve,
          hooks.sayProgress(0),
          hooks.tellLog,
          hooks.stopOnRequest,
          hooks.prune,
        ),
      });
      // A stretch's curve is the epochs it trained (the run's earlier ones are its parents').
      if (startEpoch > 0)
        result = { ...result, curve: result.curve.filter((r) => r.epoch > startEpoch) };
      if (folds > 1 && !hooks.superseded && result.status === 'completed' && !hooks.pruned) {
        result = await this.otherFolds(result, folds, trainStart, (k) =>
          this.trainer.train({
            ...common,
            data: foldData(k),
            onEpoch: epochHooks(clock.watchdog, hooks.sayProgress(k), hooks.stopOnRequest),
          }),
        );
      }
      clock.stop();
      if (hooks.superseded) throw new TrialSuperseded(job.trial);
      if (clock.fired && result.status === 'aborted')
        return await this.timeOut(attempt, result, clock.fired, (Date.now() - trainStart) / 1000);
      return await this.record(attempt, campaign, job, result, hooks.pruned);
    } finally {
      clock.stop();
    }
  }

  /**
   * Cross-validation's folds after the first, one after another: the trial's value is the mean of
   * all (foldValues), its predictions each fold's held-out rows (the out-of-fold predictions). A
   * fold that diverged, or was stopped (timeout, cancel, hand-back), is the trial's outcome.
   */
  private async otherFolds(
    first: ScoredResult,
    folds: number,
    startedAt: number,
    trainFold: (k: number) => Promise<TrialResult>,
  ): Promise<ScoredResult> {
    let result = first;
    const values = [first.metric.value];
    const heldOut = [first.predictions?.validation];
    const validations = [first.validation];
    for (let k = 1; k < folds && result.status === 'completed'; k++) {
      const next = await trainFold(k);
      if (next.status !== 'completed') result = next;
      values.push(next.metric.value);
      heldOut.push(next.predictions?.validation);
      validations.push(next.validation);
    }
    if (result.status !== 'completed') return result;
    const parts = heldOut.filter((p): p is TrialPredictions => p !== undefined);
    return {
      ...withFoldMean(result, values, startedAt),
      // Every metric as the mean over the folds, as the value is: a trade-off's other
      // objectives (params, inference time, another metric) compare like the value does.
      validation: meanMetrics(validations),
      predictions: parts.length === folds ? { validation: concatFolds(parts) } : undefined,
    };
  }

  /** Logs a failed attempt; the last one allowed fails the trial. */
  private async noteFailure(
    attempt: OwnedTrial,
    info: AttemptInfo,
    attemptNumber: number,
    error: unknown,
  ): Promise<void> {
    const message = (error as Error).message ?? String(error);
    const final = info.attempt >= info.maxAttempts;
    await this.store.appendEvent(attempt.campaignId, {
      type: 'trial.failed',
      trial: attempt.trial,
      attempt: attemptNumber,
      attempts: info.maxAttempts,
      error: message,
      final,
    });
    if (final) {
      await attempt.transition(['running'], 'failed', {
        finishedAt: Date.now(),
        error: message,
        value: null,
      });
    }
  }

  /**
   * A job is data from Redis: before it changes anything, it must be the very job its trial's
   * record makes (the final job: the one the campaign's best makes). A job added by hand with
   * another configuration, seed or stretch is refused, and the trial it names stays untouched.
   */
  private async checkJob(campaign: CampaignRecord, job: TrialJobData): Promise<void> {
    if (job.retrain) return this.checkRetrain(campaign, job);
    const number = job.final ? campaign.best?.trial : job.trial;
    const trial = number === undefined ? null : await this.store.getTrial(campaign.id, number);
    const expected = !trial
      ? null
      : job.final
        ? finalJobDataOf(campaign.id, campaign.best!, trial, campaign.ensemble)
        : trialJobDataOf(campaign.id, trial);
    if (!expected)
      throw new TrialJobRefused(
        job.final
          ? `campaign ${campaign.id} has no best trial to score`
          : `campaign ${campaign.id} has no trial ${job.trial}`,
      );
    const differing = differingJobFields(job, expected);
    if (differing.length > 0)
      throw new TrialJobRefused(
        `its data differs from what trial ${expected.trial} of campaign ${campaign.id} stores (${differing.join(', ')})`,
      );
  }

  /** Stores a trained trial's outcome; the campaign's best moves in the same breath. */
  private async record(
    attempt: OwnedTrial,
    campaign: CampaignRecord,
    job: TrialJobData,
    result: ScoredResult,
    pruned: PrunedAt | null,
  ): Promise<TrialJobResult> {
    const id = campaign.id;
    const out = toJobResult(result);
    const common: Partial<TrialRecord> = {
      finishedAt: Date.now(),
      trainStatus: result.status,
      validation: result.validation,
      epochsRun: result.curve.length,
      seconds: result.seconds,
      ...(result.foldValues ? { foldValues: result.foldValues } : {}),
      ...(result.epochCap
        ? { epochCap: { requested: result.epochCap.requested, allowed: result.epochCap.allowed } }
        : {}),
    };
    if (result.status === 'aborted') {
      const now = await this.store.getCampaign(id);
      if (now && !stopRequested(now)) {
        // Not a cancellation: this worker is shutting down and gives the trial back.
        await attempt.transition(['running'], 'queued', { worker: undefined });
        throw new TrialHandedBack(job.trial);
      }
      if (await attempt.transition(['running'], 'cancelled', common))
        await this.store.appendEvent(id, { type: 'trial.cancelled', trial: job.trial });
      return out;
    }
    if (result.status === 'stopped' && pruned) {
      const p = pruned;
      if (
        await attempt.transition(['running'], 'pruned', {
          ...common,
          value: p.value,
        })
      ) {
        await this.store.appendEvent(id, {
          type: 'trial.pruned',
          trial: job.trial,
          epoch: p.epoch,
          value: p.value,
          median: p.median,
          ...(p.reason ? { reason: p.reason } : {}),
        });
      }
      return out;
    }
    if (result.status === 'diverged') {
      const error = 'the training loss or the validation metric became NaN or infinite';
      if (
        await attempt.transition(['running'], 'failed', {
          ...common,
          value: null,
          error,
        })
      ) {
        await this.store.appendEvent(id, {
          type: 'trial.failed',
          trial: job.trial,
          attempt: 1,
          attempts: 1,
          error,
          final: true,
        });
      }
      return out;
    }
    const value = result.metric.value;
    // Kept before the trial shows as completed, so that whoever sees it completed finds them.
    const predictions = result.predictions?.validation;
    if (value !== null && predictions && predictions.outputs.length <= MAX_PREDICTION_VALUES)
      await this.store.putPredictions(id, job.trial, encodePredictions(predictions));
    const done = await attempt.transition(['running'], 'completed', {
      ...common,
      value,
    });
    if (!done) return out;
    await this.store.appendEvent(id, {
      type: 'trial.finished',
      trial: job.trial,
      value,
      validation: result.validation,
      seconds: result.seconds,
      epochs: result.curve.length,
      ...(common.epochCap ? { epochCap: common.epochCap } : {}),
    });
    // A stretch of a run is not a result on its own: the in-run mode names the campaign's. A
    // re-evaluation on other folds is not comparable with the search's values: the strategy
    // that asked for it picks the result.
    // A trial that breaks a constraint is never the best, however it scores.
    const feasible = ObjectiveSet.of(campaign.request, campaign.metric).isFeasible({
      value,
      validation: result.validation,
    });
    if (value !== null && !job.segment && job.foldSeed === undefined && feasible)
      await offerBest(this.store, campaign.id, campaign.metric.direction, {
        trial: job.trial,
        value,
        config: job.config,
        ...(job.seed !== undefined ? { seed: job.seed } : {}),
      });
    return out;
  }

  /** The limits for a trial when the campaign set none (see typicalTimeLimits). */
  private async typicalLimits(id: string): Promise<TimeLimits | null> {
    return typicalTimeLimits(await this.store.latestTrials(id, TYPICAL_TIMEOUT_SAMPLE));
  }

  /** A trial stopped at its timeout: failed, with no value (it did not train its plan). */
  private async timeOut(
    attempt: OwnedTrial,
    result: TrialResult,
    fired: { limit: number; kind: 'trial' | 'epoch' },
    seconds: number,
  ): Promise<TrialJobResult> {
    const limit = Math.round(fired.limit);
    const error =
      fired.kind === 'epoch'
        ? `timed out: no epoch finished within ${limit} s (20 times the campaign's median epoch, at least 2 minutes; --trial-timeout sets a fixed limit), after epoch ${result.curve.length} and ${Math.round(seconds)} s`
        : `timed out: still training after ${Math.round(seconds)} s (the limit is ${limit} s, --trial-timeout), at epoch ${result.curve.length}`;
    if (
      await attempt.transition(['running'], 'failed', {
        finishedAt: Date.now(),
        trainStatus: result.status,
        epochsRun: result.curve.length,
        seconds: result.seconds,
        value: null,
        error,
        timedOut: true,
      })
    ) {
      await this.store.appendEvent(attempt.campaignId, {
        type: 'trial.timed-out',
        trial: attempt.trial,
        seconds,
        epoch: result.curve.length,
        limit,
      });
    }
    return toJobResult(result);
  }

  private async cancel(attempt: OwnedTrial): Promise<TrialJobResult> {
    if (await attempt.transition(['running'], 'cancelled', { finishedAt: Date.now() }))
      await this.store.appendEvent(attempt.campaignId, {
        type: 'trial.cancelled',
        trial: attempt.trial,
      });
    return emptyResult('aborted');
  }

  private async alreadyFinished(id: string, trial: number): Promise<TrialJobResult> {
    const t = await this.store.getTrial(id, trial);
    if (!t) throw new Error(`campaign ${id} has no trial ${trial}`);
    return {
      ...emptyResult(t.trainStatus ?? 'completed'),
      value: t.value ?? null,
      validation: t.validation ?? { loss: NaN },
    };
  }

  /**
   * Retrains the best configuration with the campaign's seed, scores the test split once, keeps
   * the model. The result is fenced like a trial's: the first attempt to finish stores it (a
   * compare-and-set in the campaign's state), and every other attempt answers with that one. An
   * attempt that starts after it (BullMQ retried the job because the first lost its lock while
   * Redis was away) trains nothing, and one training beside it stops at its next epoch.
   */
  /**
   * A retrain job is the one `retrainJobDataOf` makes of a completed search trial of a finished
   * campaign with a model to save; anything else is refused before it trains.
   */
  private async checkRetrain(campaign: CampaignRecord, job: TrialJobData): Promise<void> {
    const trial = await this.store.getTrial(campaign.id, job.trial);
    const problem = !FINISHED_CAMPAIGN.includes(campaign.status)
      ? `campaign ${campaign.id} is ${campaign.status}: only a finished campaign's trials are retrained`
      : !trial
        ? `campaign ${campaign.id} has no trial ${job.trial}`
        : trial.state !== 'completed' || trial.segment
          ? `trial ${job.trial} of campaign ${campaign.id} is not a completed search trial (${trial.state}${trial.segment ? ', a stretch of a run' : ''})`
          : null;
    if (problem) throw new TrialJobRefused(problem);
    const differing = differingJobFields(job, retrainJobDataOf(campaign.id, trial!));
    if (differing.length > 0)
      throw new TrialJobRefused(
        `its data differs from what trial ${job.trial} of campaign ${campaign.id} stores (${differing.join(', ')})`,
      );
  }

  /**
   * Trains a finished campaign's trial again as it was trained (its configuration, seed and the
   * campaign's split) and returns the model: a front member other than the pick, saved on
   * demand. The test split is not scored: it was scored once, for the campaign's pick, and
   * scoring it for each member a person looks at would be choosing on it.
   */
  private async runRetrain(
    campaign: CampaignRecord,
    job: TrialJobData,
    info: AttemptInfo,
  ): Promise<TrialJobResult> {
    const { task, data } = await this.cache.load(campaign.request);
    if (isObjectiveTask(task))
      throw new TrialJobRefused(`task ${task.name} is an objective: lgt trains no model for it`);
    let model: SavedModel | undefined;
    const result = await this.trainer.train({
      task,
      data,
      config: parseConfig(task, campaign.request, job.config),
      seed: job.seed ?? campaign.request.seed,
      dataDirs: dataDirsFor(campaign.request.dataDirs, allowedDataDirs()),
      ...trainingLimits(campaign.request),
      ...(info.signal ? { signal: info.signal } : {}),
      onModel: async (m, prepared) => {
        model = await savedModelOf(m, prepared.encoding);
      },
    });
    return { ...toJobResult(result), ...(model ? { model } : {}) };
  }

  private async runFinal(
    campaign: CampaignRecord,
    job: TrialJobData,
    info: AttemptInfo,
  ): Promise<TrialJobResult> {
    const stored = () => this.store.getState(campaign.id, FINAL_RESULT, TrialJobResultSchema);
    const earlier = await stored();
    if (earlier) return earlier;
    const { task, data } = await this.cache.load(campaign.request);
    // Counted, so that a retrain run twice shows (the report's reader and the tests look).
    await this.store.updateState(campaign.id, FINAL_TRAININGS, z.number(), (n) => (n ?? 0) + 1);
    let lastLook = Date.now();
    let overtaken = false;
    const retrain = async (
      config: Config,
      seed: number | undefined,
      keepPredictions: boolean,
      rows: unknown = data,
    ) => {
      let model: SavedModel | undefined;
      const result = await this.trainer.train({
        task,
        data: rows,
        config: parseConfig(task, campaign.request, config),
        seed: seed ?? campaign.request.seed,
        dataDirs: dataDirsFor(campaign.request.dataDirs, allowedDataDirs()),
        ...trainingLimits(campaign.request),
        // In-run modes: the run's end state is scored as it is, not trained again.
        ...(await this.segmentOf(campaign, job)),
        scoreTest: true,
        keepPredictions,
        ...(info.signal ? { signal: info.signal } : {}),
        onEpoch: async () => {
          if (Date.now() - lastLook < FINAL_LOOK_EVERY_MS) return 'continue';
          lastLook = Date.now();
          overtaken = (await stored()) !== null;
          return overtaken ? 'stop' : 'continue';
        },
        onModel: async (m, prepared) => {
          model = await savedModelOf(m, prepared.encoding);
        },
      });
      return { result, model };
    };
    let mine: TrialJobResult;
    if (job.members) {
      if (isObjectiveTask(task))
        throw new Error(`task ${task.name} is an objective: it has no models to ensemble`);
      // A cross-validated campaign's members are bagged, as AutoGluon does: each is its fold
      // models (trained as its trial was, on the search's folds), averaged. One model trained
      // on the training split alone is a single draw of a configuration whose score was a mean
      // over folds; high-variance configurations drew badly there (california housing, issue 27).
      const folds = (campaign.request.cv ?? 1) > 1 && task.folds ? campaign.request.cv! : 1;
      const bagged: BaggedMember[] = [];
      let aborted = false;
      for (const member of job.members) {
        const models: BaggedMember['models'] = [];
        for (let k = 0; k < folds && !aborted && !overtaken; k++) {
          const rows = folds > 1 ? task.folds!(data, folds, k, campaign.request.splitSeed) : data;
          const one = await retrain(member.config, member.seed, true, rows);
          aborted = one.result.status === 'aborted';
          if (one.result.status !== 'completed' || !one.result.predictions?.test || !one.model)
            break;
          models.push({ fold: folds > 1 ? k : undefined, result: one.result, model: one.model });
        }
        if (overtaken || aborted) break;
        // A member that diverged on a retrain is left out; the others keep their weights' ratio.
        if (models.length === folds) bagged.push({ member, models });
      }
      if (overtaken) return (await stored())!;
      if (aborted) return emptyResult('aborted');
      if (bagged.length === 0)
        throw new Error('every member of the ensemble diverged when retrained for the test split');
      mine = ensembleResult(task.kind, task.metric.name, bagged);
    } else {
      const { result, model } = await retrain(job.config, job.seed, false);
      if (overtaken) return (await stored())!;
      mine = { ...toJobResult(result), ...(model ? { model } : {}) };
    }
    // An aborted retrain (this worker shuts down) is no result: the job goes back to the queue.
    if (mine.status === 'aborted') return mine;
    await this.store.updateState(campaign.id, FINAL_RESULT, TrialJobResultSchema, (now) =>
      now ? null : mine,
    );
    return (await stored()) ?? mine;
  }
}

/** What the campaign sets for every trial's training, the final retrain included. */
function trainingLimits(request: CampaignRequest): Pick<TrialRequest, 'epochs' | 'stepBudget'> {
  return {
    ...(request.epochs !== undefined ? { epochs: request.epochs } : {}),
    ...(request.stepBudget !== undefined ? { stepBudget: request.stepBudget } : {}),
  };
}

function parseConfig(task: AnyTask, request: CampaignRequest, config: Config): Config {
  const checked = spaceWithEpochs(task, request.epochs).validate(config);
  if (!checked.ok) {
    throw new Error(
      `the trial's configuration does not fit task ${task.name}: ${checked.errors.map((e) => e.message).join('; ')}`,
    );
  }
  return checked.config as Config;
}

/** A training result, with each fold's metric when the trial was cross-validated. */
type ScoredResult = TrialResult & { foldValues?: number[] };

/**
 * The first fold's result with the mean of every fold's metric as its value (null if any fold
 * had none), the folds' values, and the time of all of them.
 */
/** Each metric's mean over the folds (a metric some fold lacks or made NaN: NaN). */
function meanMetrics(folds: readonly Metrics[]): Metrics {
  const out: Metrics = { loss: NaN };
  for (const key of Object.keys(folds[0]!)) {
    const values = folds.map((m) => m[key]);
    out[key] = values.every((v) => typeof v === 'number')
      ? (values as number[]).reduce((a, b) => a + b, 0) / values.length
      : NaN;
  }
  return out;
}

function withFoldMean(
  result: TrialResult,
  values: (number | null)[],
  startedAt: number,
): TrialResult & { foldValues: number[] } {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const mean =
    finite.length === values.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
  return {
    ...result,
    metric: { ...result.metric, value: mean },
    foldValues: finite,
    seconds: (Date.now() - startedAt) / 1000,
  };
}

function toJobResult(result: TrialResult): TrialJobResult {
  return {
    status: result.status,
    value: result.metric.value,
    validation: result.validation,
    ...(result.test ? { test: result.test } : {}),
    curve: result.curve,
    reportedEpoch: result.reportedEpoch,
    seconds: result.seconds,
    samplesPerSecond: result.samplesPerSecond,
    parameterCount: result.parameterCount,
    backend: result.backend,
    worker: workerName,
  };
}

/** An ensemble member as the final job trained it: one model, or one per fold (bagged). */
interface BaggedMember {
  member: { trial: number; weight: number };
  models: { fold: number | undefined; result: TrialResult; model: SavedModel }[];
}

/**
 * The final job's result for an ensemble, scored as one model: on the test split, every model's
 * predictions averaged (a member's weight, renormalized over the members that trained, shared
 * by its fold models); on validation, each member's predictions on its validation rows (a bagged
 * member's: its fold models' on their held-out rows, out of fold) averaged with the weights.
 * Each model is kept beside with its own scores.
 */
function ensembleResult(
  kind: 'classification' | 'regression',
  metric: string,
  bagged: readonly BaggedMember[],
): TrialJobResult {
  const total = bagged.reduce((a, b) => a + b.member.weight, 0);
  const weights = bagged.map((b) => b.member.weight / total);
  const scored = (p: TrialPredictions) => metricsOfPredictions(kind, p.outputs, p.targets, p.width);
  const validation = scored(
    combinePredictions(
      bagged.map((b) => concatFolds(b.models.map((m) => m.result.predictions!.validation))),
      weights,
    ),
  );
  const models = bagged.flatMap((b, i) =>
    b.models.map((m) => ({ ...m, trial: b.member.trial, weight: weights[i]! / b.models.length })),
  );
  const test = scored(
    combinePredictions(
      models.map((m) => m.result.predictions!.test!),
      models.map((m) => m.weight),
    ),
  );
  const first = models[0]!.result;
  return {
    ...toJobResult(first),
    value: validation[metric] ?? null,
    validation,
    test,
    seconds: models.reduce((a, m) => a + m.result.seconds, 0),
    parameterCount: models.reduce((a, m) => a + m.result.parameterCount, 0),
    ensemble: {
      members: models.map((m) => ({
        trial: m.trial,
        ...(m.fold !== undefined ? { fold: m.fold } : {}),
        weight: m.weight,
        model: m.model,
        validation: m.result.validation,
        ...(m.result.test ? { test: m.result.test } : {}),
      })),
    },
  };
}

function emptyResult(status: TrialResult['status']): TrialJobResult {
  return {
    status,
    value: null,
    validation: { loss: NaN },
    curve: [],
    reportedEpoch: 0,
    seconds: 0,
    samplesPerSecond: 0,
    parameterCount: 0,
    backend: '',
    worker: workerName,
  };
}
