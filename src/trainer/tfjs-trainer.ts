import { epochMetricsOf } from './epoch-record.ts';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../random/rng.ts';
import type { ArraySplit, MetricSpec, PreparedData, TaskKind } from '../task-kinds/task.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import { selectBackend } from './backend.ts';
import type { TensorData, TrainingCheckpoint } from './checkpoint.ts';
import { SeededDropout } from '../models/seeded-dropout.ts';
import { sampleLosses, weightPenalty } from './losses.ts';
import {
  argmaxRows,
  classificationMetrics,
  regressionMetrics,
  softmaxRows,
  type Metrics,
} from './metrics.ts';
import type { TrialPredictions } from './trial-predictions.ts';
import { createOptimizer, disposeOptimizer, setLearningRate } from './optimizers.ts';
import { capEpochs, DEFAULT_STEP_BUDGET } from './step-budget.ts';
import { learningRateAt, type TrainingPlan } from '../task-kinds/training-plan.ts';
import type { EpochRecord, Trainer, TrialRequest, TrialResult, TrialStatus } from './trainer.ts';

/** Samples per forward pass when scoring a split (memory, not accuracy, decides it). */
const EVAL_CHUNK = 1024;
/** How often a long epoch yields to the event loop, so an abort or a lock renewal gets through. */
const YIELD_EVERY_MS = 250;

/**
 * Trains a task's model for one configuration with TF.js: a plain loop of optimizer steps on
 * batches assembled in JavaScript (faster than tfjs-layers' fit on the wasm backend, and it gives
 * us every hook: schedules, class weights, augmentation, pruning, abort). Validation data drives
 * early stopping; the test split is scored only when asked.
 */
export class TfjsTrainer implements Trainer {
  async train(request: TrialRequest): Promise<TrialResult> {
    const backend = await selectBackend();
    const started = performance.now();
    const tensorsBefore = tf.memory().numTensors;
    const { task, config, seed } = request;
    if (isObjectiveTask(task))
      throw new Error(`task ${task.name} is an objective: TaskTrainer runs it, not TfjsTrainer`);
    const data: PreparedData = task.prepare(request.data, config);
    const plan: TrainingPlan = { ...task.trainingPlan(config) };
    if (request.epochs !== undefined) plan.epochs = request.epochs;
    const defaults = task.trainingPlan(task.space.defaults());
    const epochCap = capEpochs({
      epochs: plan.epochs,
      batchSize: plan.batchSize,
      trainRows: data.train.count,
      defaultEpochs: request.epochs ?? defaults.epochs,
      defaultBatchSize: defaults.batchSize,
      factor: request.stepBudget ?? DEFAULT_STEP_BUDGET,
    });
    if (epochCap) plan.epochs = epochCap.allowed;

    const model = task.buildModel(config, {
      featureShape: data.featureShape,
      outputSize: data.outputSize,
      seed,
    });
    const optimizer = createOptimizer(plan.optimizer, plan.learningRate);
    const session = new TrainingSession(task.kind, task.metric, data, plan, model, optimizer, seed);
    let result: TrialResult;
    try {
      if (request.resumeFrom) await session.restore(request.resumeFrom);
      const outcome = await session.run(request);
      const trainSeconds = (performance.now() - started) / 1000;
      const inferenceStart = performance.now();
      const scored = session.predict(data.validation);
      const inferenceMs = performance.now() - inferenceStart;
      // What the model costs, beside what it scores (MODEL_COST_METRICS): trade-offs need them.
      const validation = {
        ...scored.metrics,
        params: model.countParams(),
        inference_ms_per_1k: (inferenceMs / Math.max(1, data.validation.count)) * 1000,
        train_seconds: trainSeconds,
      };
      const judged = judgeOutcome(outcome.status, validation[task.metric.name]);
      // A diverged model's test scores mean nothing: none are computed.
      const tested =
        request.scoreTest && judged.status !== 'diverged' ? session.predict(data.test) : undefined;
      const test = tested?.metrics;
      const predictions =
        request.keepPredictions && judged.status === 'completed'
          ? {
              validation: scored.predictions,
              ...(tested ? { test: tested.predictions } : {}),
            }
          : undefined;
      if (request.onModel) await request.onModel(model, data);
      result = {
        status: judged.status,
        metric: { ...task.metric, value: judged.value },
        validation,
        ...(test ? { test } : {}),
        ...(predictions ? { predictions } : {}),
        curve: outcome.curve,
        reportedEpoch: outcome.reportedEpoch,
        plannedEpochs: plan.epochs,
        ...(epochCap ? { epochCap } : {}),
        earlyStopped: outcome.earlyStopped,
        seconds: (performance.now() - started) / 1000,
        samplesPerSecond: outcome.samplesPerSecond,
        parameterCount: model.countParams(),
        backend: backend.name,
        config,
        seed,
      };
    } finally {
      session.dispose();
      model.dispose();
      disposeOptimizer(optimizer);
    }
    // Workers run many trials in one process: a leak here would grow until it crashes one.
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0) throw new Error(`internal error: a trial leaked ${leaked} tensors`);
    return result;
  }
}

interface RunOutcome {
  status: TrialStatus;
  curve: EpochRecord[];
  reportedEpoch: number;
  earlyStopped: boolean;
  samplesPerSecond: number;
}

/** The state of one training run: buffers, weights snapshot for early stopping, generators. */
class TrainingSession {
  private readonly kernels: tf.Variable[];
  private readonly trainable: tf.Variable[];
  private readonly classWeights: Float32Array | null;
  private readonly shuffleRng: Rng;
  private readonly augmentRng: Rng;
  private readonly dropouts: SeededDropout[];
  private bestWeights: tf.Tensor[] | null = null;
  /** The training rows in the order of the last shuffle (each epoch shuffles them further). */
  private rows: Int32Array;
  /** Where a run restored from a checkpoint starts, and what it had trained before. */
  private startEpoch = 0;
  private priorCurve: EpochRecord[] = [];
  private bestLoss = Infinity;
  private bestEpoch = 0;
  private sinceBest = 0;

  constructor(
    private readonly kind: TaskKind,
    private readonly metric: MetricSpec,
    private readonly data: PreparedData,
    private readonly plan: TrainingPlan,
    private readonly model: tfl.LayersModel,
    private readonly optimizer: tf.Optimizer,
    seed: number,
  ) {
    this.trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Penalties apply to kernels (weights of dense and conv layers), not to biases or BN scales.
    this.kernels = model.trainableWeights
      .filter((w) => w.originalName.endsWith('/kernel'))
      .map((w) => w.read() as tf.Variable);
    this.classWeights =
      kind === 'classification' && plan.classWeights === 'balanced'
        ? balancedClassWeights(data.train.y, data.outputSize)
        : null;
    const rng = new Rng(seed ^ 0x5eed);
    this.shuffleRng = rng.fork();
    this.augmentRng = rng.fork();
    this.dropouts = model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
    this.rows = Int32Array.from({ length: data.train.count }, (_, i) => i);
  }

  /**
   * Puts the run where a checkpoint left it. Same weights, generators, row order and early
   * stopping; the optimizer's slots and step only when its type is the one the checkpoint had
   * (a new type of optimizer starts with fresh slots, as it would in any framework).
   */
  async restore(c: TrainingCheckpoint): Promise<void> {
    const weights = this.model.weights;
    if (c.weights.length !== weights.length || c.rows.length !== this.rows.length)
      throw new Error(
        `the checkpoint does not fit this run: ${c.weights.length} weights and ${c.rows.length} training rows, this model has ${weights.length} and the data ${this.rows.length} (an architecture change cannot be carried over)`,
      );
    const tensors = c.weights.map(toTensor);
    this.model.setWeights(tensors);
    tf.dispose(tensors);
    if (c.optimizer.name === this.plan.optimizer && c.optimizer.slots.length > 0) {
      const kept = c.optimizer.slots.filter((s) => !s.name.startsWith(HIDDEN_SLOT));
      const slots = kept.map((s) => ({ name: s.name, tensor: toTensor(s) }));
      await this.optimizer.setWeights(slots);
      tf.dispose(slots.map((s) => s.tensor));
      // setWeights recomputes Adam's beta powers as beta^(step+1), which differs in the last bits
      // from the product the steps accumulated: the saved ones are put back as they were.
      for (const s of c.optimizer.slots.filter((s) => s.name.startsWith(HIDDEN_SLOT))) {
        const variable = hiddenSlots(this.optimizer)[s.name.slice(HIDDEN_SLOT.length)];
        if (variable) tf.tidy(() => variable.assign(toTensor(s)));
      }
    }
    this.rows = Int32Array.from(c.rows);
    this.shuffleRng.restore(c.generators.shuffle);
    this.augmentRng.restore(c.generators.augment);
    // Dropout turned on or off mid-run adds or removes layers (no weights): the new ones keep
    // the generators they were built with, as a changed configuration is another run anyway.
    if (c.generators.dropout.length === this.dropouts.length)
      this.dropouts.forEach((d, i) => d.restoreGenerator(c.generators.dropout[i]!));
    this.startEpoch = c.epoch;
    this.priorCurve = c.curve.map((r) => ({ ...r }));
    this.bestLoss = c.earlyStopping.bestLoss;
    this.bestEpoch = c.earlyStopping.bestEpoch;
    this.sinceBest = c.earlyStopping.sinceBest;
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = c.earlyStopping.bestWeights?.map(toTensor) ?? null;
  }

  /** The run's exact state after `epoch` epochs (see TrainingCheckpoint). */
  async capture(epoch: number, curve: EpochRecord[]): Promise<TrainingCheckpoint> {
    const named = this.model.weights.map((w) => w.originalName);
    const slots = await this.optimizer.getWeights();
    const checkpoint: TrainingCheckpoint = {
      epoch,
      weights: this.model.getWeights().map((t, i) => fromTensor(named[i]!, t)),
      optimizer: {
        name: this.plan.optimizer,
        slots: [
          ...slots.map((s) => fromTensor(s.name, s.tensor)),
          ...Object.entries(hiddenSlots(this.optimizer)).map(([name, v]) =>
            fromTensor(`${HIDDEN_SLOT}${name}`, v),
          ),
        ],
      },
      rows: Int32Array.from(this.rows),
      generators: {
        shuffle: this.shuffleRng.state(),
        augment: this.augmentRng.state(),
        dropout: this.dropouts.map((d) => d.generatorState()),
      },
      earlyStopping: {
        bestLoss: this.bestLoss,
        bestEpoch: this.bestEpoch,
        sinceBest: this.sinceBest,
        bestWeights: this.bestWeights?.map((t, i) => fromTensor(named[i]!, t)) ?? null,
      },
      curve: curve.map((r) => ({ ...r })),
    };
    // getWeights of an optimizer makes new tensors for the step count; they are ours to free.
    tf.dispose(slots.filter((s) => s.name === 'iter').map((s) => s.tensor));
    return checkpoint;
  }

  async run(request: TrialRequest): Promise<RunOutcome> {
    const { plan, data } = this;
    const curve: EpochRecord[] = [...this.priorCurve];
    const rows = this.rows;
    let trainSeconds = 0;
    let status: TrialStatus = 'completed';
    let earlyStopped = false;

    const segment = request.stopAfterEpoch !== undefined;
    const lastEpoch = Math.min(plan.epochs, request.stopAfterEpoch ?? plan.epochs);
    for (let epoch = this.startEpoch; epoch < lastEpoch; epoch++) {
      const learningRate = learningRateAt(plan, epoch);
      setLearningRate(this.optimizer, learningRate);
      const epochStart = performance.now();
      const loss = await this.trainEpoch(rows, epoch + 1, request);
      const seconds = (performance.now() - epochStart) / 1000;
      trainSeconds += seconds;
      if (loss === null) {
        status = 'aborted';
        break;
      }
      const validation = this.evaluate(data.validation);
      const record: EpochRecord = {
        epoch: epoch + 1,
        loss,
        validationLoss: validation.loss,
        validationMetric: validation[this.metric.name] ?? NaN,
        learningRate,
        seconds,
        samplesPerSecond: data.train.count / seconds,
        ...epochMetricsOf(
          { ...validation, params: this.model.countParams(), train_seconds: trainSeconds },
          request.epochMetrics,
        ),
      };
      curve.push(record);
      if (!Number.isFinite(loss)) {
        status = 'diverged';
        break;
      }
      if (validation.loss < this.bestLoss) {
        this.bestLoss = validation.loss;
        this.bestEpoch = epoch + 1;
        this.sinceBest = 0;
        if (plan.earlyStoppingPatience > 0) this.snapshotWeights();
      } else {
        this.sinceBest++;
      }
      if (request.checkpointEpochs?.includes(epoch + 1) && request.onCheckpoint)
        await request.onCheckpoint(await this.capture(epoch + 1, curve));
      const decision = await request.onEpoch?.(record, plan.epochs);
      if (decision === 'stop') {
        status = 'stopped';
        break;
      }
      if (
        !segment &&
        plan.earlyStoppingPatience > 0 &&
        this.sinceBest >= plan.earlyStoppingPatience
      ) {
        earlyStopped = epoch + 1 < plan.epochs;
        break;
      }
      if (request.signal?.aborted) {
        status = 'aborted';
        break;
      }
    }

    let reportedEpoch = curve.length;
    if (this.bestWeights && status === 'completed' && !segment) {
      this.model.setWeights(this.bestWeights);
      reportedEpoch = this.bestEpoch;
    }
    const trained = (curve.length - this.priorCurve.length) * data.train.count;
    return {
      status,
      curve,
      reportedEpoch,
      earlyStopped,
      samplesPerSecond: trainSeconds > 0 ? trained / trainSeconds : 0,
    };
  }

  /** One pass over the training split; the mean batch loss, or null when aborted. */
  private async trainEpoch(
    rows: Int32Array,
    epoch: number,
    request: TrialRequest,
  ): Promise<number | null> {
    const { data, plan } = this;
    const { train, featureShape, outputSize } = data;
    this.shuffleRng.shuffle(rows);
    const batchSize = Math.min(plan.batchSize, train.count);
    const features = new Float32Array(batchSize * train.featureSize);
    const batchLosses: tf.Scalar[] = [];
    let lastYield = performance.now();
    try {
      for (let from = 0; from < train.count; from += batchSize) {
        const n = Math.min(batchSize, train.count - from);
        train.copyFeatures(rows, from, from + n, features);
        data.augment?.(features, n, this.augmentRng);
        const targets = this.targets(train, rows, from, n);
        const weights = this.sampleWeights(train, rows, from, n);
        const cost = tf.tidy(() => {
          const x = tf.tensor(features.subarray(0, n * train.featureSize), [n, ...featureShape]);
          const y = tf.tensor2d(targets, [n, this.kind === 'classification' ? outputSize : 1]);
          const w = weights ? tf.tensor1d(weights) : null;
          return this.optimizer.minimize(
            () => {
              const output = this.model.apply(x, { training: true }) as tf.Tensor;
              let perSample = sampleLosses(plan.loss, output, y);
              if (w) perSample = tf.mul(perSample, w);
              const meanLoss = tf.mean(perSample) as tf.Scalar;
              const penalty = weightPenalty(plan.penalty, plan.penaltyWeight, this.kernels);
              return penalty ? tf.add(meanLoss, penalty) : meanLoss;
            },
            true,
            this.trainable,
          ) as tf.Scalar;
        });
        batchLosses.push(cost);
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
          if (request.signal?.aborted) return null;
          request.onProgress?.(epoch, (from + n) / train.count);
        }
      }
      const mean = tf.tidy(() => tf.mean(tf.stack(batchLosses)));
      const value = (await mean.data())[0]!;
      mean.dispose();
      return value;
    } finally {
      tf.dispose(batchLosses);
    }
  }

  /** Loss and metrics of the current weights on a split (inference mode, no dropout). */
  evaluate(split: ArraySplit): Metrics {
    return this.score(split, false).metrics;
  }

  /**
   * The current weights' predictions on a split, as a user of the model gets them (class
   * probabilities, or values in the target's units), with their targets and scores.
   */
  predict(split: ArraySplit): { metrics: Metrics; predictions: TrialPredictions } {
    const { metrics, predictions } = this.score(split, true);
    return { metrics, predictions: predictions! };
  }

  /** Scores a split; its predictions too when asked (softmax is not done every epoch for nothing). */
  private score(
    split: ArraySplit,
    keep: boolean,
  ): { metrics: Metrics; predictions?: TrialPredictions } {
    const { data, plan } = this;
    const rows = Int32Array.from({ length: split.count }, (_, i) => i);
    const chunk = Math.min(EVAL_CHUNK, split.count);
    const features = new Float32Array(chunk * split.featureSize);
    const width = this.kind === 'classification' ? data.outputSize : 1;
    const outputs = new Float32Array(split.count * width);
    let lossSum = 0;
    for (let from = 0; from < split.count; from += chunk) {
      const n = Math.min(chunk, split.count - from);
      split.copyFeatures(rows, from, from + n, features);
      const targets = this.targets(split, rows, from, n);
      const [out, loss] = tf.tidy(() => {
        const x = tf.tensor(features.subarray(0, n * split.featureSize), [n, ...data.featureShape]);
        const output = this.model.apply(x, { training: false }) as tf.Tensor;
        const y = tf.tensor2d(targets, [n, width]);
        return [
          output.dataSync() as Float32Array,
          tf.sum(sampleLosses(plan.loss, output, y)).dataSync()[0]!,
        ];
      });
      outputs.set(out, from * width);
      lossSum += loss;
    }
    const loss = lossSum / split.count;
    const foldSizes = [split.count];
    if (this.kind === 'classification') {
      return {
        metrics: { loss, ...classificationMetrics(argmaxRows(outputs, width), split.y, width) },
        ...(keep
          ? {
              predictions: {
                width,
                foldSizes,
                outputs: softmaxRows(outputs, width),
                targets: split.y,
              },
            }
          : {}),
      };
    }
    const toOriginal = data.toOriginalUnits ?? ((v: Float32Array) => v);
    const values = toOriginal(outputs);
    const targets = toOriginal(split.y);
    return {
      metrics: { loss, ...regressionMetrics(values, targets) },
      ...(keep ? { predictions: { width: 1, foldSizes, outputs: values, targets } } : {}),
    };
  }

  /** One-hot rows (classification) or the target column (regression) of a batch. */
  private targets(split: ArraySplit, rows: Int32Array, from: number, n: number): Float32Array {
    if (this.kind === 'regression') {
      return Float32Array.from({ length: n }, (_, i) => split.y[rows[from + i]!]!);
    }
    const classes = this.data.outputSize;
    const oneHot = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) oneHot[i * classes + split.y[rows[from + i]!]!] = 1;
    return oneHot;
  }

  private sampleWeights(
    split: ArraySplit,
    rows: Int32Array,
    from: number,
    n: number,
  ): Float32Array | null {
    const classWeights = this.classWeights;
    if (!classWeights) return null;
    return Float32Array.from({ length: n }, (_, i) => classWeights[split.y[rows[from + i]!]!]!);
  }

  private snapshotWeights(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = this.model.getWeights().map((w) => tf.clone(w));
  }

  dispose(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = null;
  }
}

/** Optimizer state that getWeights leaves out, saved under this prefix. */
const HIDDEN_SLOT = '__';

/** Adam's (and Adamax's) running powers of beta1 and beta2, part of its exact state. */
function hiddenSlots(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const name of ['accBeta1', 'accBeta2']) {
    // Private fields of TF.js's optimizers: read by name, kept only when they are variables.
    const slot: unknown = Reflect.get(optimizer, name);
    if (slot instanceof tf.Variable) out[name] = slot;
  }
  return out;
}

function toTensor(t: TensorData): tf.Tensor {
  return tf.tensor(t.values, t.shape, t.dtype);
}

function fromTensor(name: string, t: tf.Tensor): TensorData {
  return {
    name,
    shape: [...t.shape],
    dtype: t.dtype === 'int32' ? 'int32' : 'float32',
    values: t.dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync()),
  };
}

/** n / (classes * count of the class), as scikit-learn's "balanced" class weights. */
function balancedClassWeights(labels: Float32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const label of labels) counts[label]!++;
  return Float32Array.from(counts, (c) => (c === 0 ? 0 : labels.length / (classes * c)));
}

/**
 * A run's status and metric value as a trial records them: a run whose validation metric is not
 * finite (a log-transformed target undone into overflow, a NaN prediction) diverged, with no
 * value, even when its training loss stayed finite; it is never "completed" without a value.
 */
export function judgeOutcome(
  status: TrialResult['status'],
  metric: number | undefined,
): { status: TrialResult['status']; value: number | null } {
  if (status === 'diverged') return { status, value: null };
  if (metric === undefined) return { status, value: null };
  if (!Number.isFinite(metric))
    return status === 'completed' ? { status: 'diverged', value: null } : { status, value: null };
  return { status, value: metric };
}
