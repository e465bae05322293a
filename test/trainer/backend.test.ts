import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';
import { runNode } from '../helpers/run-cli.ts';

type BackendModule = typeof import('../../src/trainer/backend.ts');

/** A fresh copy of the module, so that its once-per-process choice starts over. */
async function freshBackendModule(): Promise<BackendModule> {
  vi.resetModules();
  return import('../../src/trainer/backend.ts');
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

const nativeInstalled = installed('@tensorflow/tfjs-node');
let savedPreference: string | undefined;

beforeEach(() => {
  savedPreference = process.env['LGT_BACKEND'];
  delete process.env['LGT_BACKEND'];
});

afterEach(() => {
  if (savedPreference === undefined) delete process.env['LGT_BACKEND'];
  else process.env['LGT_BACKEND'] = savedPreference;
});

describe('selectBackend', () => {
  it.skipIf(nativeInstalled)(
    'chooses wasm with SIMD when @tensorflow/tfjs-node is absent, and says so',
    async () => {
      const { selectBackend } = await freshBackendModule();
      const info = await selectBackend();
      expect(info).toEqual({
        name: 'wasm',
        simd: true,
        threads: 1,
        note: 'wasm (SIMD, 1 thread); @tensorflow/tfjs-node is not installed',
      });
      expect(tf.getBackend()).toBe('wasm');
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    },
  );

  it('returns the same info again, makes that backend active again, and refuses to switch', async () => {
    const { selectBackend } = await freshBackendModule();
    const first = await selectBackend({ prefer: 'wasm' });
    await tf.setBackend('cpu');
    expect(await selectBackend()).toBe(first);
    expect(await selectBackend({ prefer: 'wasm' })).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
    await expect(selectBackend({ prefer: 'cpu' })).rejects.toThrow(
      /already wasm .* cannot switch to cpu/,
    );
  });

  it('concurrent first calls share one initialisation', async () => {
    const { selectBackend } = await freshBackendModule();
    const [a, b] = await Promise.all([selectBackend({ prefer: 'wasm' }), selectBackend()]);
    expect(a).toBe(b);
  });

  it('does not wrap the kernels twice when the module is loaded again', async () => {
    const kernels = ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad'];
    await (await freshBackendModule()).selectBackend({ prefer: 'wasm' });
    const before = kernels.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc);
    await (await freshBackendModule()).selectBackend({ prefer: 'wasm' });
    expect(kernels.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc)).toEqual(before);
    // And the product is still right (a wrapper of a wrapper would also be, but slower).
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 4]]), false, true);
    expect(Array.from(product.dataSync())).toEqual([11]);
    product.dispose();
  });

  it('gives cpu only when asked for, and LGT_BACKEND overrides the preference', async () => {
    const asked = await (await freshBackendModule()).selectBackend({ prefer: 'cpu' });
    expect(asked.name).toBe('cpu');
    expect(asked.note).toBe("pure-JavaScript cpu backend (slow), asked for (prefer: 'cpu')");
    expect(tf.getBackend()).toBe('cpu');

    process.env['LGT_BACKEND'] = 'wasm';
    const overridden = await (await freshBackendModule()).selectBackend({ prefer: 'cpu' });
    expect(overridden.name).toBe('wasm');
    expect(overridden.note).toMatch(/^wasm \(SIMD, 1 thread\); asked for with LGT_BACKEND=wasm$/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an LGT_BACKEND it does not know', async () => {
    process.env['LGT_BACKEND'] = 'gpu';
    const { selectBackend } = await freshBackendModule();
    await expect(selectBackend()).rejects.toThrow(
      'LGT_BACKEND must be auto, node, wasm or cpu; got "gpu"',
    );
  });

  it.skipIf(nativeInstalled)(
    'fails, naming the cause, when node is required but absent; then can try again',
    async () => {
      const { selectBackend } = await freshBackendModule();
      await expect(selectBackend({ prefer: 'node' })).rejects.toThrow(
        "asked for (prefer: 'node'), but @tensorflow/tfjs-node is not installed",
      );
      expect((await selectBackend({ prefer: 'wasm' })).name).toBe('wasm');
    },
  );

  it('finds the wasm binaries from any current directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lgt-backend-'));
    try {
      const script = path.join(dir, 'select.mts');
      const backendUrl = pathToFileURL(path.join(REPO_ROOT, 'src/trainer/backend.ts')).href;
      writeFileSync(
        script,
        [
          `const { selectBackend } = await import(${JSON.stringify(backendUrl)});`,
          `const info = await selectBackend({ prefer: 'wasm' });`,
          `console.log('RESULT ' + JSON.stringify(info));`,
        ].join('\n'),
      );
      const { code, stdout, stderr } = await run(
        path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [script],
        dir,
      );
      expect(code, stderr).toBe(0);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      expect(JSON.parse(line!.slice('RESULT '.length))).toMatchObject({ name: 'wasm', simd: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves a script's own uncaught error and rejection to Node: its message, not the wasm module's source", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lgt-uncaught-'));
    const backend = pathToFileURL(path.join(REPO_ROOT, 'src/trainer/backend.ts')).href;
    const script = (how: string) => {
      const file = path.join(dir, `${how}.mjs`);
      writeFileSync(
        file,
        `import { selectBackend } from ${JSON.stringify(backend)};
const info = await selectBackend({ prefer: 'wasm' });
if (info.name !== 'wasm') process.exit(3);
${how === 'throw' ? "setTimeout(() => { throw new Error('my script failed'); }, 0);" : "Promise.reject(new Error('my script failed'));"}
`,
      );
      return file;
    };
    for (const how of ['throw', 'reject']) {
      const run = await runNode(['--import', 'tsx', script(how)], { LGT_BACKEND: 'wasm' });
      expect(run.code, run.stderr.slice(0, 500)).toBe(1);
      expect(run.stderr).toContain('my script failed');
      // Node's report of the error: a few lines and the stack, not the module's minified source.
      expect(run.stderr.length).toBeLessThan(4000);
    }
  }, 60_000);
});

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['LGT_BACKEND'];
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
