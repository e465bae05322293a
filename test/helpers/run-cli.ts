import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `lgt` command (bin/lgt.js) in a child process. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd = REPO_ROOT,
): Promise<CliResult> {
  return runNode([path.join(REPO_ROOT, 'bin/lgt.js'), ...args], env, cwd);
}

/** Runs Node with `args` (a script and its arguments) in a child process, its output captured. */
export function runNode(
  args: string[],
  env: Record<string, string> = {},
  cwd = REPO_ROOT,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
