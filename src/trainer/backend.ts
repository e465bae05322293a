import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './wasm-kernels/register-wasm-kernels.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  simd?: boolean;
  threads?: number;
  /** A sentence for people: which backend, and why this one. */
  note: string;
}

export interface SelectBackendOptions {
  /** 'auto' (the default): native TensorFlow if installed, else wasm. */
  prefer?: BackendPreference;
}

let selection: Promise<BackendInfo> | null = null;

/**
 * Chooses the TF.js backend once per process: native TensorFlow through @tensorflow/tfjs-node
 * when that optional dependency is installed (it downloads libtensorflow at install time, so it
 * is missing on machines without internet), else WebAssembly with SIMD and our extra kernels.
 * The pure-JavaScript cpu backend is far slower: only when asked for, never as a fallback.
 * LGT_BACKEND (auto | node | wasm | cpu) overrides `prefer`.
 *
 * Later calls return the same info and make that backend active again (tests switch to cpu to
 * compare); asking for another backend than the chosen one then is an error, not a switch.
 * A failed selection is forgotten, so that a caller can try another preference.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const preference = parsePreference(process.env['LGT_BACKEND']) ?? options.prefer ?? 'auto';
  if (!selection) {
    const current = initialise(preference);
    selection = current;
    current.catch(() => {
      if (selection === current) selection = null;
    });
    return current;
  }
  const info = await selection;
  if (!satisfies(info.name, preference)) {
    throw new Error(
      `the TF.js backend of this process is already ${info.name} (${info.note}); it cannot switch to ${preference}`,
    );
  }
  if (tf.getBackend() !== info.name && !(await tf.setBackend(info.name))) {
    throw new Error(`the TF.js backend ${info.name} could not be made active again`);
  }
  return info;
}

function satisfies(name: BackendName, preference: BackendPreference): boolean {
  if (preference === 'auto') return true;
  return name === (preference === 'node' ? 'tensorflow' : preference);
}

function parsePreference(value: string | undefined): BackendPreference | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'node' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`LGT_BACKEND must be auto, node, wasm or cpu; got "${value}"`);
}

async function initialise(preference: BackendPreference): Promise<BackendInfo> {
  const asked = askedFor(preference);
  if (preference === 'cpu') return useCpu(asked);
  let nodeAbsence = '';
  if (preference === 'auto' || preference === 'node') {
    const native = await tryNative();
    if (typeof native !== 'string') return native;
    if (preference === 'node') throw new Error(`${asked}, but ${native}`);
    nodeAbsence = native;
  }
  return useWasm(preference === 'wasm' ? asked : nodeAbsence);
}

function askedFor(preference: BackendPreference): string {
  return process.env['LGT_BACKEND']
    ? `asked for with LGT_BACKEND=${preference}`
    : `asked for (prefer: '${preference}')`;
}

/** The native backend's info, or why it is not available. */
async function tryNative(): Promise<BackendInfo | string> {
  // A variable, not a literal: the optional dependency may be absent, and neither TypeScript
  // nor a bundler should try to resolve it ahead of this call.
  const nativePackage = '@tensorflow/tfjs-node';
  try {
    await import(nativePackage);
  } catch (error) {
    const message = firstLine(error);
    const absent =
      (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
      message.includes(`'${nativePackage}'`);
    return absent
      ? `${nativePackage} is not installed`
      : `${nativePackage} failed to load (${message})`;
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return `${nativePackage} loaded but its backend did not initialise (a second copy of @tensorflow/tfjs-core?)`;
  }
  return { name: 'tensorflow', note: `native TensorFlow (${nativePackage})` };
}

async function useWasm(reason: string): Promise<BackendInfo> {
  // Before initialisation, when the engine runs the kernels' setup functions.
  registerWasmKernels();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const missing = missingWasmBinary(simd);
  if (missing) {
    throw new Error(`the TF.js wasm backend cannot start: ${missing} (reinstall with npm ci)`);
  }
  // The wasm module (Emscripten's Node glue) adds process handlers that rethrow every uncaught
  // exception and unhandled rejection from inside its own minified file: Node then prints that
  // file's line (about 38 KB of source) before a script's own error, and exits with code 7.
  // Node's own handling is what a script's author expects, so they are taken off again.
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  const initialised = await tf.setBackend('wasm');
  for (const listener of process.listeners('uncaughtException'))
    if (!before.uncaughtException.includes(listener))
      process.removeListener('uncaughtException', listener);
  for (const listener of process.listeners('unhandledRejection'))
    if (!before.unhandledRejection.includes(listener))
      process.removeListener('unhandledRejection', listener);
  if (!initialised) {
    throw new Error(
      'the TF.js wasm backend failed to initialise (TF.js logs the cause as a warning unless PROD is set)',
    );
  }
  const threads = getThreadsCount();
  const build = `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
  return { name: 'wasm', simd, threads, note: `wasm (${build})${reason ? `; ${reason}` : ''}` };
}

/**
 * The wasm package's Node build loads its binary from its own directory, whatever the current
 * directory; checking the file first turns a broken install into a message that names it.
 */
function missingWasmBinary(simd: boolean): string | null {
  if (!('WebAssembly' in globalThis)) return 'this JavaScript runtime has no WebAssembly';
  const nodeBuild = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  const binary = join(
    dirname(nodeBuild),
    simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm',
  );
  return existsSync(binary) ? null : `${binary} is missing`;
}

async function useCpu(reason: string): Promise<BackendInfo> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (error) {
    throw new Error(`the cpu backend was ${reason}, but it failed to load: ${firstLine(error)}`);
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the TF.js cpu backend failed to initialise');
  return { name: 'cpu', note: `pure-JavaScript cpu backend (slow), ${reason}` };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}
