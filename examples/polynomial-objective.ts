// An objective of your own: lgt tunes your training code, not a model it builds.
// Here the "training code" is a polynomial fitted by mini-batch gradient descent to noisy samples
// of a curve; lgt tunes its degree, learning rate, batch size, weight decay and epochs.
//
//   npx lgt trial --task ./examples/polynomial-objective.ts
//   npx lgt run --task ./examples/polynomial-objective.ts --strategy tpe --trials 30 --pruner median
import { choice, defineObjective, float, int } from 'lgt';

/** A small seeded generator, so a trial's data and its shuffling repeat for a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 200 training and 100 validation points of sin(3x) + noise on [-1, 1] (fixed, seed 7). */
function samples(): { train: [number, number][]; validation: [number, number][] } {
  const random = mulberry32(7);
  const point = (): [number, number] => {
    const x = random() * 2 - 1;
    return [x, Math.sin(3 * x) + (random() - 0.5) * 0.2];
  };
  return {
    train: Array.from({ length: 200 }, point),
    validation: Array.from({ length: 100 }, point),
  };
}

export default defineObjective({
  name: 'polynomial-fit',
  title: 'Polynomial fitted by gradient descent',
  description:
    'Fit y = sin(3x) + noise on [-1, 1] with a polynomial of the given degree trained by mini-batch gradient descent on 200 points; the metric is the mean squared error on 100 held-out points. Too low a degree underfits, a high learning rate diverges, too few epochs stop short.',
  metric: { name: 'val_mse', direction: 'minimize' },
  space: {
    degree: int(1, 9, {
      default: 1,
      area: 'architecture',
      description: 'degree of the polynomial',
    }),
    learningRate: float(1e-4, 1, {
      default: 1e-3,
      log: true,
      area: 'training',
      description: 'step size of gradient descent',
    }),
    batchSize: choice([8, 32, 200], {
      default: 32,
      area: 'training',
      description: 'points per gradient step',
    }),
    weightDecay: float(1e-6, 1e-1, {
      default: 1e-4,
      log: true,
      area: 'regularization',
      description: 'L2 penalty on the coefficients',
    }),
    epochs: int(5, 60, { default: 10, area: 'training', description: 'passes over the data' }),
  },
  async objective(config, trial) {
    const { train, validation } = samples();
    const degree = config.degree as number;
    const features = (x: number) => Array.from({ length: degree + 1 }, (_, k) => x ** k);
    const w = new Array<number>(degree + 1).fill(0);
    const predict = (x: number) => features(x).reduce((sum, f, k) => sum + f * w[k]!, 0);
    const mse = (points: [number, number][]) =>
      points.reduce((sum, [x, y]) => sum + (predict(x) - y) ** 2, 0) / points.length;
    const random = mulberry32(trial.seed);
    const order = train.map((_, i) => i);
    const lr = config.learningRate as number;
    const batch = config.batchSize as number;
    const decay = config.weightDecay as number;
    for (let epoch = 1; epoch <= (config.epochs as number); epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (let start = 0; start < order.length; start += batch) {
        const grad = new Array<number>(degree + 1).fill(0);
        const rows = order.slice(start, start + batch);
        for (const r of rows) {
          const [x, y] = train[r]!;
          const error = predict(x) - y;
          features(x).forEach((f, k) => (grad[k]! += (2 * error * f) / rows.length));
        }
        for (let k = 0; k <= degree; k++) w[k]! -= lr * (grad[k]! + 2 * decay * w[k]!);
      }
      const loss = mse(train);
      // A diverged fit is a result too (a bad configuration): report it as a large error.
      const valMse = Number.isFinite(mse(validation)) ? mse(validation) : 1e6;
      await trial.report(epoch, { loss: Number.isFinite(loss) ? loss : 1e6, val_mse: valMse });
      if (trial.shouldStop()) break; // pruned, cancelled or out of time
      // Each epoch yields, as real training code does, so a stop is heard.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Nothing returned: the last report is the result.
  },
});
