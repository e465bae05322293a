import { adamStep, newAdamState } from '../../maths/adam.ts';
import { clipNorm, estimateGradient, unitDirection } from '../../maths/zeroth-order.ts';
import { labelledRng } from '../../random/rng.ts';
import type { BlackBoxModel } from './black-box-model.ts';

export interface InputOffsetOptions {
  /** Descent steps; each asks the model 1 + `directions` times. */
  steps: number;
  /** Random directions per step (q). */
  directions: number;
  /** Probe distance, in standard deviations of each input. */
  epsilon: number;
  /** Adam's step size, in standard deviations. */
  learningRate: number;
  /** Largest norm of a gradient estimate (CBBT clips at 5). */
  clipNorm?: number;
  seed: number;
  signal?: AbortSignal;
}

export interface InputOffsetFit {
  /** The offset to add to every input row (in the inputs' own units). */
  offset: Float32Array;
  /** The training loss (mean absolute error) at the offset kept, and at no offset. */
  loss: number;
  startLoss: number;
  /** Calls of the model this fit made, and the rows they sent. */
  queries: number;
  queriedRows: number;
}

/**
 * Fits an offset delta added to every input of a model it can only query, so that the model's
 * outputs fit the new data better: CBBT's prompt tuning, with the input offset as the "prompt".
 * Each step estimates the gradient of the mean absolute error in delta from the losses at delta
 * and at delta + eps u_i for q random unit directions (estimateGradient, the estimator of the
 * `zo` strategy), clips it and moves delta by Adam. The same rows at every query make the
 * differences paired. delta is in standard deviations of each input (`scale`), so one epsilon
 * suits inputs of any range. The best delta seen (by its measured loss) is kept; an aborted
 * fit keeps the best so far.
 */
export async function fitInputOffset(
  model: BlackBoxModel,
  rows: { x: Float32Array; y: Float32Array; count: number },
  scale: Float32Array,
  options: InputOffsetOptions,
): Promise<InputOffsetFit> {
  const d = model.inputSize;
  const queriesBefore = model.queries;
  const rowsBefore = model.queriedRows;
  const shifted = new Float32Array(rows.x.length);
  const loss = (delta: readonly number[]): number => {
    for (let r = 0; r < rows.count; r++)
      for (let j = 0; j < d; j++) shifted[r * d + j] = rows.x[r * d + j]! + delta[j]! * scale[j]!;
    const { outputs } = model.predict(shifted, rows.count);
    let sum = 0;
    for (let r = 0; r < rows.count; r++) sum += Math.abs(outputs[r]! - rows.y[r]!);
    return sum / rows.count;
  };

  let delta = new Array<number>(d).fill(0);
  const startLoss = loss(delta);
  let best = { delta, loss: startLoss };
  const adam = newAdamState(d);
  for (let step = 0; step < options.steps; step++) {
    // A step is up to 23 queries: let a cancel or a timeout through between steps.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) break;
    const center = step === 0 ? startLoss : loss(delta);
    if (center < best.loss) best = { delta, loss: center };
    const samples = Array.from({ length: options.directions }, (_, i) => {
      const u = unitDirection(labelledRng(options.seed, step, i), d);
      const displacement = u.map((v) => options.epsilon * v);
      const probe = delta.map((v, j) => v + displacement[j]!);
      return { displacement, difference: loss(probe) - center };
    });
    const g = clipNorm(estimateGradient(samples, d), options.clipNorm ?? 5);
    delta = adamStep(delta, g, adam, {
      learningRate: options.learningRate,
      beta1: 0.9,
      beta2: 0.999,
    });
  }
  if (options.steps > 0 && !options.signal?.aborted) {
    const last = loss(delta);
    if (last < best.loss) best = { delta, loss: last };
  }
  return {
    offset: Float32Array.from(best.delta, (v, j) => v * scale[j]!),
    loss: best.loss,
    startLoss,
    queries: model.queries - queriesBefore,
    queriedRows: model.queriedRows - rowsBefore,
  };
}

/** Rows with `offset` added to each (a new array). */
export function shiftRows(x: Float32Array, offset: Float32Array): Float32Array {
  const d = offset.length;
  return x.map((v, i) => v + offset[i % d]!);
}
