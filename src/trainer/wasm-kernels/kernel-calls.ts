import {
  getKernel,
  type backend_util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The padding a TF.js convolution or pooling kernel receives as its `pad` attribute. */
export type ConvPadding = 'valid' | 'same' | number | backend_util.ExplicitPadding;
export type DimRoundingMode = 'floor' | 'round' | 'ceil';

/** What the engine passes a wasm kernel, with the inputs and attributes of that kernel. */
export interface WasmKernelArgs<Inputs, Attrs> {
  inputs: Inputs;
  backend: BackendWasm;
  attrs: Attrs;
}

/**
 * TF.js types every kernel function loosely; ours are typed. The engine registered the kernel
 * under its name for the wasm backend, so it passes that kernel's inputs and attributes and the
 * wasm backend: said once, here.
 */
export function asKernelFunc<Inputs, Attrs>(
  kernel: (args: WasmKernelArgs<Inputs, Attrs>) => TensorInfo,
): KernelFunc {
  return ({ inputs, backend, attrs }) =>
    kernel({ inputs: inputs as Inputs, backend: backend as BackendWasm, attrs: attrs as Attrs });
}

/** Calls a kernel as the engine would, with a typed kernel's arguments (see asKernelFunc). */
export function callOriginal<Inputs extends NamedTensorInfoMap, Attrs extends object>(
  original: KernelConfig,
  args: WasmKernelArgs<Inputs, Attrs>,
): TensorInfo {
  return original.kernelFunc({
    inputs: args.inputs,
    backend: args.backend,
    attrs: args.attrs as NamedAttrMap,
  }) as TensorInfo;
}

/**
 * Calls another wasm kernel from inside a kernel, at the backend level (no tape, no engine
 * bookkeeping), the way TF.js's own kernels compose. What it returns is not an engine tensor:
 * the caller frees it with `free` once it is no longer needed, or returns it.
 */
export function callKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: object = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** Releases intermediates; a Reshape shares its input's data, and is released the same way. */
export function free(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return callKernel('Transpose', backend, { x }, { perm });
}
