import { epochMetricsOf } from './epoch-record.ts';
import {
  isObjectiveTask,
  testMetricName,
  type ObjectiveMetrics,
  type ObjectiveTrial,
} from '../task-kinds/objective.ts';
import { selectBackend } from './backend.ts';
import type { EpochRecord, Trainer, TrialRequest, TrialResult } from './trainer.ts';

/** An objective that does not stop within this long of being asked is left to the caller. */
const STOP_GRACE_MS = 10_000;

/**
 * Runs an objective task's function as a trial: its reports become the learning curve (through
 * the same onEpoch hooks a trained model's epochs go through, so pruning, events and stops work
 * alike), and what it returns, or its last report, becomes the result.
 */
export class ObjectiveTrainer implements Trainer {
  async train(request: TrialRequest): Promise<TrialResult> {
    const task = request.task;
    if (!isObjectiveTask(task)) throw new Error(`task ${task.name} is not an objective`);
    const metric = task.metric.name;
    // TF.js has no backend until one is chosen; only objectives that say they use it pay for that.
    if (task.tensorflow) await selectBackend();
    const started = performance.now();
    const configEpochs = request.config['epochs'];
    // 0: the objective did not say how many epochs it plans (pruning then has no last epoch).
    const planned =
      request.epochs ?? (typeof configEpochs === 'number' ? configEpochs : (task.epochs ?? 0));
    const curve: EpochRecord[] = [];
    const abort = new AbortController();
    const onAbort = () => abort.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort);
    let stopped = false;
    let last: ObjectiveMetrics | undefined;
    let lastReportAt = started;
    // Reports run one after another even when the objective does not await them.
    let reports: Promise<void> = Promise.resolve();

    const report = (epoch: number, metrics: ObjectiveMetrics): Promise<void> => {
      const next = reports.then(async () => {
        checkMetrics(metrics, `report(${epoch}, ...)`);
        const previous = curve.at(-1)?.epoch ?? 0;
        if (!Number.isInteger(epoch) || epoch <= previous)
          throw new Error(
            `report(${epoch}, ...): epochs are whole numbers from 1, each above the last (the last was ${previous})`,
          );
        // Once stopped, later reports are not part of the trial: it ended at the pruned epoch.
        if (stopped || abort.signal.aborted) return;
        last = metrics;
        const now = performance.now();
        const record = epochRecord(
          epoch,
          metrics,
          metric,
          (now - lastReportAt) / 1000,
          request.epochMetrics,
        );
        lastReportAt = now;
        curve.push(record);
        if ((await request.onEpoch?.(record, planned)) === 'stop') stopped = true;
      });
      reports = next.catch(() => undefined);
      return next;
    };
    const trial: ObjectiveTrial = {
      number: request.trialNumber ?? 0,
      seed: request.seed,
      signal: abort.signal,
      final: request.scoreTest === true,
      dataDirs: request.dataDirs ?? [],
      ...(planned > 0 ? { epochs: planned } : {}),
      report,
      shouldStop: () => stopped || abort.signal.aborted,
    };

    let returned: unknown;
    let failure: unknown;
    try {
      returned = await untilStoppedFor(
        task.objective(request.config, trial),
        () => stopped || abort.signal.aborted,
      );
      await reports;
    } catch (error) {
      failure = error;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
    const status = abort.signal.aborted ? 'aborted' : stopped ? 'stopped' : 'completed';
    // An objective that reported no epoch still gets a one-point curve, so every finished trial
    // has one (the agents, the dashboard and the peers' curves the pruners read all expect it).
    // Planned as 1, so a pruner does not judge it: it is already over.
    if (status === 'completed' && failure === undefined && curve.length === 0) {
      try {
        const record = epochRecord(
          1,
          outcomeMetrics(returned, last, metric),
          metric,
          (performance.now() - started) / 1000,
        );
        curve.push(record);
        // Its answer does not matter: the run is over (a superseded attempt is seen by the caller).
        await request.onEpoch?.(record, 1);
      } catch (error) {
        failure = error;
      }
    }
    // An objective that throws after being stopped (an AbortError, a killed process) was stopped.
    if (failure !== undefined && status === 'completed') throw failure;
    const metrics = status === 'completed' ? outcomeMetrics(returned, last, metric) : (last ?? {});
    const value = metrics[metric];
    const seconds = (performance.now() - started) / 1000;
    // Test scores (test_*) of the final run go to the report's test side, never to validation.
    const validation = Object.fromEntries(
      Object.entries(metrics).filter(([name]) => !name.startsWith('test_')),
    );
    const testScores = Object.fromEntries(
      Object.entries(metrics).filter(([name]) => name.startsWith('test_')),
    );
    const testValue = metrics[testMetricName(metric)];
    return {
      status,
      metric: { ...task.metric, value: typeof value === 'number' ? value : null },
      validation: { loss: metrics['val_loss'] ?? metrics['loss'] ?? NaN, ...validation },
      // Its own metric's test score under the metric's name (test_accuracy as accuracy), when
      // the objective has one; other test scores under theirs (a surrogate may have only some).
      ...(request.scoreTest && (testValue !== undefined || Object.keys(testScores).length > 0)
        ? {
            test: {
              loss: NaN,
              ...testScores,
              ...(testValue !== undefined ? { [metric]: testValue } : {}),
            },
          }
        : {}),
      curve,
      reportedEpoch: curve.length,
      plannedEpochs: planned || curve.length,
      earlyStopped: false,
      seconds,
      samplesPerSecond: 0,
      parameterCount: 0,
      backend: 'objective',
      config: request.config,
      seed: request.seed,
    };
  }
}

/**
 * The objective's promise, or, once it has been asked to stop and has not returned within
 * STOP_GRACE_MS, undefined: a function that ignores shouldStop() cannot hold its worker forever.
 */
async function untilStoppedFor<T>(
  running: Promise<T>,
  stopAsked: () => boolean,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  const givenUp = new Promise<undefined>((resolve) => {
    poll = setInterval(() => {
      if (!stopAsked() || timer) return;
      timer = setTimeout(() => resolve(undefined), STOP_GRACE_MS);
    }, 200);
  });
  try {
    return await Promise.race([running, givenUp]);
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
  }
}

/** The metrics a completed objective ends with: what it returned, else its last report. */
function outcomeMetrics(
  returned: unknown,
  last: ObjectiveMetrics | undefined,
  metric: string,
): ObjectiveMetrics {
  if (typeof returned === 'number') {
    if (!Number.isFinite(returned))
      throw new Error(`the objective returned ${returned}, not a finite ${metric}`);
    return { ...(last ?? {}), [metric]: returned };
  }
  if (returned !== undefined && returned !== null) {
    if (typeof returned !== 'object' || Array.isArray(returned))
      throw new Error(
        `the objective returned ${JSON.stringify(returned)?.slice(0, 200)}: return a number, { ${metric}: number, ... } or nothing (the last report counts)`,
      );
    checkMetrics(returned as ObjectiveMetrics, 'the returned metrics');
    const metrics = returned as ObjectiveMetrics;
    if (!Number.isFinite(metrics[metric]))
      throw new Error(
        `the objective returned metrics without a finite ${metric} (it has ${Object.keys(metrics).join(', ') || 'nothing'})`,
      );
    return metrics;
  }
  if (!last)
    throw new Error(
      `the objective returned nothing and reported no epoch: return ${metric} or call trial.report(epoch, { ${metric}: ... })`,
    );
  if (!Number.isFinite(last[metric]))
    throw new Error(`the objective's last report has no finite ${metric}`);
  return last;
}

function checkMetrics(metrics: ObjectiveMetrics, where: string): void {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics))
    throw new Error(`${where}: metrics must be an object of name: number`);
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number')
      throw new Error(`${where}: metric ${name} is ${JSON.stringify(value)}, not a number`);
  }
}

/** A report as a curve's epoch: the metric, and the losses when the objective names them. */
function epochRecord(
  epoch: number,
  metrics: ObjectiveMetrics,
  metric: string,
  seconds: number,
  keep: readonly string[] = [],
): EpochRecord {
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : NaN);
  const loss = metrics['loss'] ?? metrics['train_loss'];
  return {
    epoch,
    ...(loss === undefined ? { metricOnly: true } : {}),
    loss: finite(loss),
    validationLoss: finite(metrics['val_loss']),
    validationMetric: finite(metrics[metric]),
    learningRate: finite(metrics['learning_rate'] ?? metrics['lr']) || 0,
    seconds,
    samplesPerSecond: 0,
    ...epochMetricsOf(metrics, keep),
  };
}
