/**
 * Scores of a model's predictions. Classification: accuracy and macro-averaged F1; regression:
 * MAE, RMSE and R2, always in the target's original units. `loss` is the training loss on the
 * same split, for learning curves.
 */
export interface Metrics {
  loss: number;
  accuracy?: number;
  macroF1?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
  /** An objective's own metrics, by the names it reports them under. */
  [metric: string]: number | undefined;
}

/** Predicted class = argmax of each row of logits. */
export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = logits[r * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = logits[r * classes + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

export function classificationMetrics(
  predicted: Int32Array,
  labels: Float32Array,
  classes: number,
): { accuracy: number; macroF1: number } {
  const truePositive = new Float64Array(classes);
  const predictedCount = new Float64Array(classes);
  const actualCount = new Float64Array(classes);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const a = labels[i]!;
    predictedCount[p]!++;
    actualCount[a]!++;
    if (p === a) {
      correct++;
      truePositive[p]!++;
    }
  }
  // Macro-F1 over the classes present in the labels or the predictions (as scikit-learn does
  // over the union of labels); a class never seen nor predicted does not count.
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    if (actualCount[c] === 0 && predictedCount[c] === 0) continue;
    present++;
    const denominator = predictedCount[c]! + actualCount[c]!;
    f1Sum += denominator === 0 ? 0 : (2 * truePositive[c]!) / denominator;
  }
  return {
    accuracy: predicted.length === 0 ? 0 : correct / predicted.length,
    macroF1: present === 0 ? 0 : f1Sum / present,
  };
}

export function regressionMetrics(
  predicted: Float32Array,
  actual: Float32Array,
): { mae: number; rmse: number; r2: number } {
  const n = actual.length;
  let absSum = 0;
  let sqSum = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]!;
  mean /= n;
  let totalSq = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - actual[i]!;
    absSum += Math.abs(e);
    sqSum += e * e;
    totalSq += (actual[i]! - mean) ** 2;
  }
  return {
    mae: absSum / n,
    rmse: Math.sqrt(sqSum / n),
    r2: totalSq === 0 ? 0 : 1 - sqSum / totalSq,
  };
}

/**
 * Scores of finished predictions: class probabilities (rows x classes) against class indices,
 * or values against values, both in the target's units. What an ensemble of models is scored
 * by, since it has no training loss: `loss` is the cross-entropy of the probabilities, or the
 * mean squared error in the target's units.
 */
export function metricsOfPredictions(
  kind: 'classification' | 'regression',
  outputs: Float32Array,
  targets: Float32Array,
  width: number,
): Metrics {
  if (kind === 'regression') {
    const scores = regressionMetrics(outputs, targets);
    return { loss: scores.rmse ** 2, ...scores };
  }
  let logLoss = 0;
  for (let i = 0; i < targets.length; i++)
    logLoss -= Math.log(Math.max(outputs[i * width + targets[i]!]!, 1e-7));
  return {
    loss: targets.length === 0 ? 0 : logLoss / targets.length,
    ...classificationMetrics(argmaxRows(outputs, width), targets, width),
  };
}

/** Row-wise softmax of logits (rows x classes), as probabilities. */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[r * classes + c]! - max);
      out[r * classes + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[r * classes + c]! /= sum;
  }
  return out;
}
