import { realpathSync } from 'node:fs';
import path from 'node:path';
import { loadTaskModule, looksLikePath, resolveTask } from '../tasks/task-registry.ts';
import type { AnyTask } from '../tasks/task.ts';
import type { TaskSpec } from './campaign-request.ts';

/** The spec a job carries for a task chosen on the command line (paths made absolute). */
export function taskSpecOf(selection: {
  task?: string;
  csv?: string;
  target?: string;
  kind?: 'classification' | 'regression';
  keepColumns?: string[];
}): TaskSpec {
  if (selection.csv) {
    return {
      kind: 'csv',
      file: path.resolve(selection.csv),
      target: selection.target ?? '',
      ...(selection.kind ? { problem: selection.kind } : {}),
      ...(selection.keepColumns?.length ? { keepColumns: selection.keepColumns } : {}),
    };
  }
  const name = selection.task ?? '';
  if (looksLikePath(name)) return { kind: 'module', path: path.resolve(name) };
  return { kind: 'builtin', name };
}

export interface LoadTaskOptions {
  /** Directories task modules may come from, besides the working directory and LGT_TASK_DIRS. */
  taskDirs?: readonly string[];
}

/**
 * The directories a process loads task modules from: its working directory, LGT_TASK_DIRS
 * (path-delimited; how a worker tells its trial processes its --task-dir) and `extra`.
 */
export function allowedTaskDirs(extra: readonly string[] = []): string[] {
  const fromEnv = (process.env['LGT_TASK_DIRS'] ?? '').split(path.delimiter).filter(Boolean);
  return [process.cwd(), ...fromEnv, ...extra].map((d) => path.resolve(d));
}

/**
 * Refuses a module path outside the allowed directories: a spec in Redis (or a request body) is
 * data, and importing a module runs its code, so only the operator chooses where modules live.
 */
function checkModuleAllowed(file: string, dirs: readonly string[]): void {
  const real = realOrResolved(file);
  const allowed = dirs.some((d) => {
    const root = realOrResolved(d);
    return real === root || real.startsWith(root + path.sep);
  });
  if (!allowed) {
    throw new Error(
      `task module ${file} is outside the directories this process loads modules from (${dirs.join(', ')}); start the worker with --task-dir <dir> to allow its directory`,
    );
  }
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Loads the task a spec names (built-in, module or CSV). */
export function loadTask(spec: TaskSpec, options: LoadTaskOptions = {}): Promise<AnyTask> {
  switch (spec.kind) {
    case 'builtin':
      return resolveTask({ task: spec.name });
    case 'module':
      checkModuleAllowed(spec.path, allowedTaskDirs(options.taskDirs));
      return loadTaskModule(spec.path);
    case 'csv':
      return resolveTask({
        csv: spec.file,
        target: spec.target,
        ...(spec.problem ? { kind: spec.problem } : {}),
        ...(spec.keepColumns ? { keepColumns: spec.keepColumns } : {}),
      });
  }
}

export function describeTaskSpec(spec: TaskSpec): string {
  switch (spec.kind) {
    case 'builtin':
      return spec.name;
    case 'module':
      return spec.path;
    case 'csv':
      return `${spec.file} (target ${spec.target})`;
  }
}
