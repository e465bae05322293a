import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/trainer/backend.ts';
import { registerWasmKernels } from '../../src/trainer/wasm-kernels/register-wasm-kernels.ts';
import { Rng } from '../../src/random/rng.ts';

/**
 * Our wasm kernels against TF.js's reference cpu backend: the same inputs through the same op
 * (or the same kernel, for attributes no op passes on), on both backends in one process; the
 * results and full gradients must agree to float32 precision.
 */
type Padding = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
type Pair = [number, number];

interface Input {
  shape: number[];
  values: Float32Array;
}

function input(shape: number[], seed: number, transform = (v: number) => v): Input {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => transform(rng.normal())) };
}

/**
 * Runs `f` on the wasm and then the cpu backend with the same input values. On wasm it also
 * checks that every buffer the kernels allocated was released (their temporaries are not
 * engine tensors, so tf.memory() would not see them).
 */
async function onBoth(
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
  inputs: Input[],
): Promise<[Float32Array[], Float32Array[]]> {
  const results: Float32Array[][] = [];
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const buffersBefore = wasmBackend().numDataIds();
    const outs = tf.tidy(() => f(...inputs.map((i) => tf.tensor(i.values, i.shape))));
    results.push(outs.map((t) => Float32Array.from(t.dataSync())));
    tf.dispose(outs);
    // (On cpu, variables made on wasm move over and leave the wasm backend: not a leak.)
    if (backend === 'wasm') expect(wasmBackend().numDataIds(), 'wasm buffers').toBe(buffersBefore);
  }
  await tf.setBackend('wasm');
  return results as [Float32Array[], Float32Array[]];
}

/** Largest difference relative to the largest expected magnitude (float32 sums: ~1e-6). */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return worst / scale;
}

function expectClose(actual: Float32Array[], expected: Float32Array[], tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(a.every(Number.isFinite), `output ${i} is finite`).toBe(true);
    expect(relativeError(a, expected[i]!), `output ${i}`).toBeLessThan(tolerance);
  });
}

/** A loss whose gradient differs at every position of y, unlike a plain sum. */
function weightedSum(y: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(1, y.size + 1), y.shape))));
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

function wasmBackend(): BackendWasm {
  return tf.findBackend('wasm') as BackendWasm;
}

function heapBytes(): number {
  return (wasmBackend().wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;
}

beforeAll(async () => {
  const info = await selectBackend({ prefer: 'wasm' });
  expect(info.name).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

describe('registration', () => {
  it('puts our five kernels in the wasm registry, once however often it runs', () => {
    const names = [
      'BatchMatMul',
      '_FusedMatMul',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'MaxPoolGrad',
    ];
    const before = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    // Ours carry a marker (the registry is global: it is how registration knows it is done).
    expect(before.every((f) => typeof f === 'function' && Symbol.for('lgt.wasm-kernel') in f)).toBe(
      true,
    );
    registerWasmKernels();
    registerWasmKernels();
    expect(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);
  });
});

describe('conv2d and its gradients on wasm match the cpu backend', () => {
  const cases: { x: number[]; k: number[]; stride: number | Pair; pad: Padding; why: string }[] = [
    { x: [2, 8, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same', why: 'the common case' },
    { x: [2, 8, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'valid', why: 'no padding' },
    // Even input, stride 2, 'same': the padding is 0 top/left and 1 bottom/right, so a kernel
    // that swapped the sides would be clearly wrong here (checked below).
    { x: [3, 8, 8, 2], k: [3, 3, 2, 5], stride: 2, pad: 'same', why: 'asymmetric same padding' },
    {
      x: [1, 9, 7, 1],
      k: [5, 3, 1, 2],
      stride: [2, 3],
      pad: 'valid',
      why: 'batch 1, 1 channel, non-square',
    },
    {
      x: [2, 6, 6, 4],
      k: [1, 1, 4, 3],
      stride: 2,
      pad: 'same',
      why: '1x1 kernel smaller than its stride',
    },
    { x: [2, 7, 7, 2], k: [3, 3, 2, 2], stride: 1, pad: 1, why: 'numeric padding' },
    { x: [4, 12, 12, 3], k: [5, 5, 3, 6], stride: 3, pad: 'same', why: '5x5, stride 3' },
    {
      x: [2, 10, 6, 3],
      k: [5, 5, 3, 2],
      stride: 2,
      pad: 'same',
      why: 'non-square input, 5x5 stride 2',
    },
    {
      x: [2, 8, 8, 3],
      k: [3, 3, 3, 2],
      stride: 2,
      pad: 'valid',
      why: 'a stride that leaves a row unused',
    },
    {
      x: [1, 8, 8, 1],
      k: [3, 3, 1, 1],
      stride: 2,
      pad: [
        [0, 0],
        [2, 0],
        [0, 1],
        [0, 0],
      ],
      why: 'explicit asymmetric padding',
    },
    {
      x: [2, 5, 5, 2],
      k: [3, 3, 2, 3],
      stride: 1,
      pad: [
        [0, 0],
        [4, 0],
        [0, 4],
        [0, 0],
      ],
      why: 'explicit padding wider than the kernel',
    },
  ];
  const gradients = (c: (typeof cases)[number]) => (x: tf.Tensor, w: tf.Tensor) => {
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(conv(a, b)))([x, w]);
    return [conv(x, w), dx!, dw!];
  };
  for (const c of cases) {
    it(`${c.why}: x ${c.x}, filter ${c.k}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}`, async () => {
      const [wasm, cpu] = await onBoth(gradients(c), [input(c.x, 1), input(c.k, 2)]);
      expectClose(wasm, cpu);
    });
  }

  it('would catch top/left and bottom/right padding swapped', async () => {
    const same = cases[2]!;
    const swapped = {
      ...same,
      pad: [
        [0, 0],
        [1, 0],
        [1, 0],
        [0, 0],
      ] as Padding,
    };
    const inputs = [input(same.x, 1), input(same.k, 2)];
    const [wasm] = await onBoth(gradients(same), inputs);
    const [, wrong] = await onBoth(gradients(swapped), inputs);
    expect(relativeError(wasm[1]!, wrong[1]!)).toBeGreaterThan(0.1);
    expect(relativeError(wasm[2]!, wrong[2]!)).toBeGreaterThan(0.1);
  });

  it('conv2dTranspose (Conv2DBackpropInput as a forward op) too', async () => {
    const [wasm, cpu] = await onBoth(
      (x, w) => {
        const up = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 9, 9, 3], 2, 'same');
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(up(a, b)))([x, w]);
        return [up(x, w), dx!, dw!];
      },
      [input([2, 5, 5, 4], 3), input([3, 3, 3, 4], 4)],
    );
    expectClose(wasm, cpu);
  });
});

describe('conv2d gradient kernels with attributes no gradient passes on', () => {
  // TF.js's conv2d gradient drops dimRoundingMode and only NHWC reaches wasm, so these call the
  // kernels directly, as tf.conv2DBackpropInput/Filter and conv2dTranspose can.
  const cases: { x: number[]; k: number[]; stride: number; pad: Padding; rounding?: string }[] = [
    { x: [2, 8, 8, 3], k: [3, 3, 3, 4], stride: 2, pad: 1, rounding: 'ceil' },
    { x: [2, 8, 8, 3], k: [3, 3, 3, 4], stride: 2, pad: 1, rounding: 'floor' },
    { x: [2, 8, 8, 3], k: [3, 3, 3, 4], stride: 2, pad: 1, rounding: 'round' },
    { x: [1, 7, 10, 2], k: [5, 5, 2, 3], stride: 3, pad: 2, rounding: 'ceil' },
  ];
  for (const c of cases) {
    it(`dimRoundingMode ${c.rounding}: x ${c.x}, filter ${c.k}, stride ${c.stride}, pad ${c.pad}`, async () => {
      const [n, h, w] = c.x as [number, number, number, number];
      const outSize = (size: number) => {
        const exact = (size - c.k[0]! + 2 * (c.pad as number)) / c.stride + 1;
        return c.rounding === 'ceil'
          ? Math.ceil(exact)
          : c.rounding === 'floor'
            ? Math.floor(exact)
            : Math.round(exact);
      };
      const dyShape = [n, outSize(h), outSize(w), c.k[3]!];
      const attrs = {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: c.rounding,
      };
      const [wasm, cpu] = await onBoth(
        (x, filter, dy) => [
          runKernel(
            'Conv2DBackpropInput',
            { dy: dy!, filter: filter! },
            { ...attrs, inputShape: c.x },
          ),
          runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, { ...attrs, filterShape: c.k }),
        ],
        [input(c.x, 5), input(c.k, 6), input(dyShape, 7)],
      );
      expectClose(wasm, cpu);
    });
  }

  it("trust dy's size when a gradient dropped dimRoundingMode (as TF.js's conv2d and maxPool do)", async () => {
    // Forward: 8 rows, window 3, stride 2, padding 1, rounded up: 5 windows starting at rows
    // -1, 1, 3, 5, 7, the last running past the padding. Without the rounding mode the kernels
    // would count 4; the geometry of dy's 5 is that of explicit padding 1 before, 2 after.
    const dyShape = [2, 5, 5, 4];
    const dropped = { strides: 2, pad: 1, dataFormat: 'NHWC' };
    const explicit = {
      ...dropped,
      pad: [
        [0, 0],
        [1, 2],
        [1, 2],
        [0, 0],
      ],
    };
    const inputs = [input([2, 8, 8, 3], 22), input([3, 3, 3, 4], 23), input(dyShape, 24)];
    const gradients =
      (attrs: object, pool: object) => (x: tf.Tensor, filter: tf.Tensor, dy: tf.Tensor) => [
        runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: [2, 8, 8, 3] }),
        runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 3, 4] }),
        runKernel('MaxPoolGrad', { dy: tf.slice(dy, 0, [2, 5, 5, 3]), input: x, output: x }, pool),
      ];
    const poolAttrs = { filterSize: 3, strides: 2 };
    const [wasm] = await onBoth(gradients(dropped, { ...poolAttrs, pad: 1 }), inputs);
    const [, cpu] = await onBoth(gradients(explicit, { ...poolAttrs, pad: explicit.pad }), inputs);
    expectClose(wasm, cpu);
  });

  it('NCHW: the filter gradient by our kernel, the input gradient by the original wasm one', async () => {
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
    const [wasm, cpu] = await onBoth(
      (x, filter, dy) => [
        runKernel(
          'Conv2DBackpropFilter',
          { x: x!, dy: dy! },
          { ...attrs, filterShape: [3, 3, 3, 4] },
        ),
        runKernel(
          'Conv2DBackpropInput',
          { dy: dy!, filter: filter! },
          { ...attrs, inputShape: [2, 3, 8, 7] },
        ),
      ],
      [input([2, 3, 8, 7], 8), input([3, 3, 3, 4], 9), input([2, 4, 4, 4], 10)],
    );
    expectClose(wasm, cpu);
  });
});

describe('matMul and its gradients on wasm match the cpu backend', () => {
  const combos = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;
  const shapes = (ta: boolean, tb: boolean, batch: number[], m: number, k: number, n: number) => ({
    a: [...batch, ...(ta ? [k, m] : [m, k])],
    b: [...batch, ...(tb ? [n, k] : [k, n])],
  });
  for (const [ta, tb] of combos) {
    for (const batch of [[], [3]]) {
      it(`transposeA ${ta}, transposeB ${tb}, batch ${JSON.stringify(batch)}`, async () => {
        const { a, b } = shapes(ta, tb, batch, 5, 7, 3);
        const [wasm, cpu] = await onBoth(
          (x, y) => {
            const product = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb);
            const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(product(p, q)))([
              x,
              y,
            ]);
            return [product(x, y), da!, db!];
          },
          [input(a, 11), input(b, 12)],
        );
        expectClose(wasm, cpu);
      });
    }

    it(`fused (bias + relu), transposeA ${ta}, transposeB ${tb}, and its gradients`, async () => {
      const { a, b } = shapes(ta, tb, [], 6, 9, 4);
      const [wasm, cpu] = await onBoth(
        (x, y, bias) => {
          const product = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
            tf.fused.matMul({
              a: p,
              b: q,
              transposeA: ta,
              transposeB: tb,
              bias: r,
              activation: 'relu',
            });
          const [da, db, dbias] = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
            weightedSum(product(p, q, r)),
          )([x, y, bias!]);
          return [product(x, y, bias!), da!, db!, dbias!];
        },
        [input(a, 13), input(b, 14), input([4], 15)],
      );
      expectClose(wasm, cpu);
    });
  }

  it('a broadcast batch (b shared by every batch of a), transposed', async () => {
    const [wasm, cpu] = await onBoth(
      (x, y) => [tf.matMul(x!, y!, true, true)],
      [input([4, 7, 5], 16), input([1, 3, 7], 17)],
    );
    expectClose(wasm, cpu);
  });
});

describe('maxPool gradient on wasm matches the cpu backend', () => {
  const cases: {
    x: number[];
    size: number | Pair;
    stride: number | Pair;
    pad: Padding;
    why: string;
  }[] = [
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid', why: '2x2 windows tiling the input' },
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'same', why: "2x2 tiling under 'same'" },
    {
      x: [2, 7, 7, 3],
      size: 2,
      stride: 2,
      pad: 'same',
      why: 'windows hanging over the bottom/right',
    },
    { x: [2, 7, 7, 3], size: 2, stride: 2, pad: 'valid', why: 'a row and column left out' },
    { x: [1, 9, 9, 2], size: 3, stride: 2, pad: 'same', why: 'overlapping windows' },
    { x: [3, 6, 5, 1], size: 3, stride: 1, pad: 'valid', why: 'stride 1, one channel' },
    { x: [1, 7, 9, 4], size: [2, 3], stride: [1, 2], pad: 'same', why: 'non-square' },
    { x: [2, 6, 6, 2], size: 1, stride: 2, pad: 'valid', why: 'windows skipping positions' },
    { x: [2, 5, 5, 3], size: 3, stride: 1, pad: 1, why: 'numeric padding' },
    {
      x: [1, 8, 7, 2],
      size: 3,
      stride: 2,
      pad: [
        [0, 0],
        [1, 0],
        [0, 2],
        [0, 0],
      ],
      why: 'explicit padding',
    },
  ];
  const gradient = (c: (typeof cases)[number]) => (x: tf.Tensor) => [
    tf.grad((a: tf.Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad)))(
      x,
    ),
  ];
  for (const c of cases) {
    it(`${c.why}: x ${c.x}, pool ${c.size}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}`, async () => {
      const [wasm, cpu] = await onBoth(gradient(c), [input(c.x, 18)]);
      expectClose(wasm, cpu);
      // Values rounded to integers tie often: ties must go where the cpu backend sends them.
      const [tiedWasm, tiedCpu] = await onBoth(gradient(c), [input(c.x, 19, Math.round)]);
      expectClose(tiedWasm, tiedCpu);
    });
  }

  it("sends a tied window's gradient to its first maximum, as the cpu backend does", async () => {
    // Two 2x2 windows of a [1, 2, 4, 1] image: 3 3 / 0 0 and 1 1 / 2 2, each with a tie.
    const values = Float32Array.from([3, 3, 1, 1, 0, 0, 2, 2]);
    const [wasm, cpu] = await onBoth(
      (x) => [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)],
      [{ shape: [1, 2, 4, 1], values }],
    );
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!));
    expect(Array.from(wasm[0]!)).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('passes nothing back from a window of only -Infinity or NaN, as the cpu backend does', async () => {
    const inf = Number.NEGATIVE_INFINITY;
    // 2x2 stride-2 windows; the 3-row image (its last row unused) takes the general path, the
    // 2-row one the tiled path. Left windows: nothing but -Infinity and NaN; right ones: a
    // NaN, then a 5 that wins over the tied 5 after it.
    const top = [inf, NaN, Number.NaN, 5, NaN, inf, 5, 2];
    for (const values of [[...top, 7, 7, 7, 7], top]) {
      const shape = [1, values.length / 4, 4, 1];
      const [wasm, cpu] = await onBoth(
        (x) => [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)],
        [{ shape, values: Float32Array.from(values) }],
      );
      const expected = [0, 0, 0, 1, 0, 0, 0, 0, ...(values.length > 8 ? [0, 0, 0, 0] : [])];
      expect(Array.from(wasm[0]!)).toEqual(expected);
      expect(Array.from(cpu[0]!)).toEqual(expected);
    }
  });

  it('dimRoundingMode ceil, through the kernel (the maxPool gradient drops it)', async () => {
    // 8 rows, window 3, stride 2, padding 1: 4.5 windows, rounded up to 5.
    const attrs = { filterSize: 3, strides: 2, pad: 1, dimRoundingMode: 'ceil' };
    const [wasm, cpu] = await onBoth(
      (x, dy) => [runKernel('MaxPoolGrad', { dy: dy!, input: x!, output: dy! }, attrs)],
      [input([2, 8, 8, 3], 20), input([2, 5, 5, 3], 21)],
    );
    expectClose(wasm, cpu);
  });
});

describe('a CNN built from tfjs-layers', () => {
  function buildCnn(): tfl.Sequential {
    return tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tfl.initializers.heNormal({ seed: 1 }),
        }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({
          filters: 6,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tfl.initializers.heNormal({ seed: 2 }),
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({
          units: 2,
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
        }),
      ],
    });
  }

  /** Two classes of 8x8 images: a bright left half or a bright right half, plus noise. */
  function images(n: number): { xs: Float32Array; ys: Float32Array } {
    const rng = new Rng(9);
    const xs = new Float32Array(n * 64);
    const ys = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const right = i % 2;
      ys[i * 2 + right] = 1;
      for (let p = 0; p < 64; p++) {
        xs[i * 64 + p] = ((p % 8 >= 4 ? 1 : 0) === right ? 1 : 0) + 0.3 * rng.normal();
      }
    }
    return { xs, ys };
  }

  it('has the same weight gradients on wasm as on cpu', async () => {
    const model = buildCnn();
    const { xs, ys } = images(16);
    const [wasm, cpu] = await onBoth(
      (x, y) => {
        const { grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(y!, model.apply(x!) as tf.Tensor) as tf.Scalar,
          model.trainableWeights.map((w) => w.read() as tf.Variable),
        );
        return Object.values(grads);
      },
      [
        { shape: [16, 8, 8, 1], values: xs },
        { shape: [16, 2], values: ys },
      ],
    );
    expect(wasm.length).toBe(6); // kernel and bias of two convolutions and a dense layer
    expectClose(wasm, cpu);
    model.dispose();
  });

  it('trains on wasm through optimizer.minimize: no missing kernel, and the loss goes down', () => {
    const model = buildCnn();
    const { xs, ys } = images(64);
    const optimizer = tf.train.adam(0.01);
    const x = tf.tensor4d(xs, [64, 8, 8, 1]);
    const y = tf.tensor2d(ys, [64, 2]);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
        true,
      )!;
      losses.push(cost.dataSync()[0]!);
      cost.dispose();
    }
    expect(tf.getBackend()).toBe('wasm');
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  });
});

describe('the overridden kernels', () => {
  /** Every overridden kernel, with the temporaries each one makes inside (strided, padded). */
  function step(x: tf.Tensor4D, w: tf.Tensor4D, dense: tf.Tensor2D): void {
    tf.tidy(() => {
      const loss = (image: tf.Tensor, filter: tf.Tensor, weights: tf.Tensor) => {
        const conv = tf.conv2d(image as tf.Tensor4D, filter as tf.Tensor4D, 2, 'same');
        const pooled = tf.maxPool(tf.maxPool(conv, 2, 2, 'valid'), 3, 1, 'same');
        const flat = tf.reshape(pooled, [x.shape[0], -1]);
        return weightedSum(
          tf.fused.matMul({ a: flat, b: weights as tf.Tensor2D, activation: 'relu' }),
        );
      };
      const [, dw] = tf.grads(loss)([x, w, dense]);
      // And transposed products of both kinds outside any gradient.
      const rows = tf.reshape(dw!, [-1, 8]);
      tf.matMul(rows, rows, true, false);
      tf.matMul(rows, rows, false, true);
    });
  }

  it('leak no tensors, no engine bytes and no wasm buffers', () => {
    const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 8], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dense = tf.randomNormal([4 * 4 * 8, 5], 0, 1, 'float32', 3) as tf.Tensor2D;
    step(x, w, dense);
    const before = { ...tf.memory(), buffers: wasmBackend().numDataIds() };
    for (let i = 0; i < 20; i++) step(x, w, dense);
    const after = { ...tf.memory(), buffers: wasmBackend().numDataIds() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.buffers).toBe(before.buffers);
    tf.dispose([x, w, dense]);
  });

  it('do not grow the wasm heap over many calls (XNNPACK operators are freed with their filters)', () => {
    // Big enough that a leak of the per-call operators or their packed weights would take tens
    // of megabytes over the loop.
    const x = tf.randomNormal([8, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 8], 0, 1, 'float32', 5) as tf.Tensor4D;
    const dense = tf.randomNormal([8 * 8 * 8, 5], 0, 1, 'float32', 6) as tf.Tensor2D;
    for (let i = 0; i < 5; i++) step(x, w, dense);
    const heapBefore = heapBytes();
    for (let i = 0; i < 150; i++) step(x, w, dense);
    expect(heapBytes()).toBe(heapBefore);
    tf.dispose([x, w, dense]);
  });
});
