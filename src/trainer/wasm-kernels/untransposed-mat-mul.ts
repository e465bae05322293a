import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  asKernelFunc,
  callOriginal,
  free,
  transpose,
  type WasmKernelArgs,
} from './kernel-calls.ts';

type MatMulArgs = WasmKernelArgs<
  Record<string, TensorInfo>,
  { transposeA: boolean; transposeB: boolean } & Record<string, unknown>
>;

/**
 * Wraps the wasm BatchMatMul or _FusedMatMul (the inputs `a` and `b`, and for the fused one a
 * bias and prelu weights, passed through untouched). The wasm backend multiplies fast (XNNPACK)
 * only when neither operand is transposed; with transposeA or transposeB it takes a plain loop
 * about ten times slower, and every dense layer's backward pass asks for exactly that.
 * Transposing the operand first (a cheap copy) and then taking the fast path gives the same
 * product.
 */
export function makeUntransposedMatMulConfig(original: KernelConfig): KernelConfig {
  const kernel = (args: MatMulArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const run = (call: MatMulArgs): TensorInfo => callOriginal(original, call);
    if (!attrs.transposeA && !attrs.transposeB) return run(args);
    const copies: TensorInfo[] = [];
    const upright = (operand: TensorInfo | undefined, name: string): TensorInfo => {
      if (!operand) throw new Error(`${original.kernelName}: missing input ${name}`);
      const copy = swapLastTwoAxes(backend, operand);
      copies.push(copy);
      return copy;
    };
    const a = attrs.transposeA ? upright(inputs['a'], 'a') : inputs['a']!;
    const b = attrs.transposeB ? upright(inputs['b'], 'b') : inputs['b']!;
    try {
      return run({
        inputs: { ...inputs, a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      free(backend, ...copies);
    }
  };
  return {
    kernelName: original.kernelName,
    backendName: 'wasm',
    // The original's setup binds its wasm function, which the fast path calls.
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    kernelFunc: asKernelFunc(kernel),
  };
}

function swapLastTwoAxes(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, axis) => axis);
  const rank = perm.length;
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose(backend, x, perm);
}
