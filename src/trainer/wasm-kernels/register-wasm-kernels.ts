import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
// Registers the wasm backend and its kernels, which the overrides below wrap or replace.
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { makeConv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { makeUntransposedMatMulConfig } from './untransposed-mat-mul.ts';

/**
 * Marks our kernel functions. The kernel registry is global to the process, while this module
 * can be evaluated more than once (test runners reset modules), so "already done" is read from
 * the registry itself: wrapping our own wrapper would be harmless but wasteful.
 */
const ours = Symbol.for('lgt.wasm-kernel');

function isOurs(config: KernelConfig | undefined): boolean {
  return config !== undefined && ours in config.kernelFunc;
}

function install(config: KernelConfig): void {
  const kernelFunc: KernelFunc = (args) => config.kernelFunc(args);
  Object.defineProperty(kernelFunc, ours, { value: true });
  if (getKernel(config.kernelName, 'wasm')) unregisterKernel(config.kernelName, 'wasm');
  registerKernel({ ...config, kernelFunc });
}

/**
 * Adds the kernel CNN training needs to the wasm backend (Conv2DBackpropFilter) and replaces
 * the slow ones (BatchMatMul and _FusedMatMul with transposes, Conv2DBackpropInput,
 * MaxPoolGrad). Call it before the wasm backend initialises: the engine runs kernel setup
 * functions then, and the wrapped originals keep theirs. Safe to call any number of times.
 */
export function registerWasmKernels(): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = getKernel(name, 'wasm');
    if (!original) throw new Error(`the wasm backend has no ${name} kernel to wrap`);
    if (!isOurs(original)) install(makeUntransposedMatMulConfig(original));
  }
  const backpropInput = getKernel('Conv2DBackpropInput', 'wasm');
  if (!isOurs(backpropInput)) install(makeConv2dBackpropInputConfig(backpropInput));
  if (!isOurs(getKernel('Conv2DBackpropFilter', 'wasm'))) install(conv2dBackpropFilterConfig);
  if (!isOurs(getKernel('MaxPoolGrad', 'wasm'))) install(maxPoolGradConfig);
}
