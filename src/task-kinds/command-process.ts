import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { millisecondsFromEnv } from '../env/milliseconds-from-env.ts';

/** Lines of output kept for an error message. */
const TAIL_LINES = 20;
const TAIL_LINE_CHARS = 500;

/** Process groups this process started and has not yet seen end. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Whatever ends this process (a worker killed with -9 closes its trial process's IPC channel,
 * and the trial process exits) ends the groups it started: no command outlives its trial.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL');
  });
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

export interface CommandRun {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Ends the whole process group: TERM, then KILL after the grace period. */
  signal: AbortSignal;
  /** Each line the command prints on stdout, in order; the next waits for it. */
  onLine: (line: string) => Promise<void> | void;
}

export interface CommandExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when it was ended because `signal` aborted (pruned, cancelled, timed out). */
  stopped: boolean;
  stderrTail: string[];
  stdoutTail: string[];
}

/** How long a command may take to end after TERM before it gets KILL (LGT_COMMAND_KILL_GRACE_MS). */
function killGraceMs(): number {
  return millisecondsFromEnv('LGT_COMMAND_KILL_GRACE_MS', 5_000);
}

/**
 * Runs a command in its own process group, without a shell, and reads its stdout line by line.
 * `abort` on the signal, or `stop()` from a line handler, ends the group: TERM to every process
 * in it (the script and anything it started), KILL after the grace period.
 */
export function runCommand(run: CommandRun): Promise<CommandExit> {
  installExitHook();
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(run.argv[0]!, run.argv.slice(1), {
        cwd: run.cwd,
        env: run.env,
        detached: true, // its own process group, which we end as a whole
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(error as Error);
      return;
    }
    const group = child.pid;
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stderrTail: string[] = [];
    const stdoutTail: string[] = [];
    const keep = (tail: string[], line: string) => {
      tail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    const end = () => {
      if (stopped || group === undefined) return;
      stopped = true;
      killGroup(group, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(group, 'SIGKILL'), killGraceMs());
    };
    if (group !== undefined) liveGroups.add(group);
    if (run.signal.aborted) end();
    run.signal.addEventListener('abort', end);

    // Lines are handled one after another, as they came; reading waits while one is handled.
    let lines: Promise<void> = Promise.resolve();
    let lineError: unknown;
    const out = createInterface({ input: child.stdout! });
    out.on('line', (line) => {
      keep(stdoutTail, line);
      lines = lines.then(async () => {
        if (stopped || lineError !== undefined) return;
        try {
          await run.onLine(line);
        } catch (error) {
          lineError = error;
          end();
        }
      });
    });
    createInterface({ input: child.stderr! }).on('line', (line) => keep(stderrTail, line));

    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', end);
      if (group !== undefined) {
        // Whatever it started and left running goes with it.
        killGroup(group, 'SIGKILL');
        liveGroups.delete(group);
      }
      void lines.then(() => {
        if (spawnError) {
          reject(
            new Error(
              `could not start ${run.argv[0]}: ${spawnError.message} (run from ${run.cwd})`,
            ),
          );
        } else if (lineError !== undefined) {
          reject(lineError as Error);
        } else {
          resolve({ code, signal, stopped, stderrTail, stdoutTail });
        }
      });
    });
  });
}
