/**
 * Training throughput of lgt's trainer on Fashion-MNIST: samples per second for the MLP
 * 784-256-10 and the small CNN conv16-pool-conv32-pool-64-10 (Adam, batch 64 unless --batch),
 * the backend used and the peak memory of the process. With --stock it also measures the MLP on
 * the untouched wasm backend with tfjs-layers' model.fit, in a child process, for comparison.
 *
 *   npx tsx bench/trainer.ts [--batch 64,256] [--rows 12800] [--epochs 2] [--stock]
 *
 * Figures are from the last epoch (the first includes warm-up). Not part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import fashionMnist from '../tasks/fashion-mnist.ts';
import { selectBackend } from '../src/trainer/backend.ts';
import { TfjsTrainer } from '../src/trainer/tfjs-trainer.ts';

/** PyTorch 2.x on CPU on the same kind of 2-core machine, as the issue reports (not measured here). */
const PYTORCH = { mlp: 47_000, cnn: 6_500 };

const MODELS = {
  mlp: { convBlocks: 0, denseUnits: 256 },
  cnn: { convBlocks: 2, filters: 16, kernelSize: 3, pooling: 'max', denseUnits: 64 },
} as const;

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' },
    rows: { type: 'string', default: '12800' },
    epochs: { type: 'string', default: '2' },
    stock: { type: 'boolean', default: false },
    'stock-child': { type: 'boolean', default: false },
  },
});

if (values['stock-child']) {
  await stockMlp(Number(values.batch), Number(values.rows), Number(values.epochs));
} else {
  await main();
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  const rows = Number(values.rows);
  const epochs = Number(values.epochs);
  const batches = values.batch.split(',').map(Number);
  console.log(
    `backend: ${backend.note}; node ${process.version}; Fashion-MNIST, ${rows} training images, ${epochs} epochs`,
  );
  const data = await fashionMnist.load({ splitSeed: 0, maxTrainRows: rows });
  const trainer = new TfjsTrainer();
  const lines: string[][] = [['model', 'batch', 'samples/s', 'vs PyTorch CPU', 'val accuracy']];
  for (const [name, arch] of Object.entries(MODELS) as [
    keyof typeof MODELS,
    (typeof MODELS)[keyof typeof MODELS],
  ][]) {
    for (const batchSize of batches) {
      const config = fashionMnist.space.parse({
        ...arch,
        activation: 'relu',
        normalization: 'unit',
        optimizer: 'adam',
        learningRate: 1e-3,
        batchSize,
        epochs,
      });
      const result = await trainer.train({ task: fashionMnist, data, config, seed: 0 });
      const last = result.curve.at(-1)!;
      const ratio =
        batchSize === 64 ? `${((100 * last.samplesPerSecond) / PYTORCH[name]).toFixed(0)}%` : '';
      lines.push([
        name,
        String(batchSize),
        Math.round(last.samplesPerSecond).toLocaleString('en-US'),
        ratio,
        result.validation.accuracy!.toFixed(3),
      ]);
      console.log(lines.at(-1)!.join('\t'));
    }
  }
  if (values.stock) {
    for (const batchSize of batches) {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          import.meta.filename,
          '--stock-child',
          '--batch',
          String(batchSize),
          '--rows',
          String(rows),
          '--epochs',
          String(epochs),
        ],
        { encoding: 'utf8' },
      );
      if (child.status !== 0) throw new Error(child.stderr);
      lines.push(['mlp (stock wasm, model.fit)', String(batchSize), child.stdout.trim(), '', '']);
    }
  }
  console.log('');
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  for (const l of lines) console.log(l.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(`\npeak memory (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  console.log(
    `PyTorch CPU reference (from the issue, batch 64): MLP ${PYTORCH.mlp.toLocaleString('en-US')}, CNN ${PYTORCH.cnn.toLocaleString('en-US')} samples/s`,
  );
}

/** The MLP on the wasm backend as shipped (none of our kernels), trained with model.fit. */
async function stockMlp(batchSize: number, rows: number, epochs: number): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const data = await fashionMnist.load({ splitSeed: 0, maxTrainRows: rows });
  const images = data.train.images;
  const x = tf.tensor2d(
    Float32Array.from(images.subarray(0, rows * 784), (v) => v / 255),
    [rows, 784],
  );
  const y = tf.oneHot(
    tf.tensor1d(Int32Array.from(data.train.labels.subarray(0, rows)), 'int32'),
    10,
  );
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  let perSecond = 0;
  for (let e = 0; e < epochs; e++) {
    const start = performance.now();
    await model.fit(x, y, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
    perSecond = rows / ((performance.now() - start) / 1000);
  }
  console.log(Math.round(perSecond).toLocaleString('en-US'));
}
