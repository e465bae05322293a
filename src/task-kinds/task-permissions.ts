import path from 'node:path';
import { allowedDataDirs } from '../env/data-dirs.ts';
import { isInsideDirectories } from '../files/path-inside.ts';
import { RequestError } from '../errors/request-error.ts';
import type { TaskSpec } from './task-spec.ts';

/**
 * What a process may run, as its operator said (--task-dir, --allow-command, --data-dir and their
 * environment variables): the complete lists, already merged with the environment, so that one
 * process can judge another's from its advertised copy (see worker-registry.ts).
 */
export interface Permissions {
  /** Directories task modules may be imported from. */
  taskDirs: string[];
  /** Command lines that may run as objectives, exactly as written. */
  commands: string[];
  /** Directories CSV files may be read from. */
  dataDirs: string[];
}

/** Extra permissions given to a process on its command line or by its caller. */
export interface PermissionOptions {
  /** Directories task modules may be loaded from, besides the working directory and LGT_TASK_DIRS. */
  taskDirs?: readonly string[];
  /** Command lines this process may run as objectives, besides LGT_ALLOW_COMMANDS. */
  commands?: readonly string[];
  /** Directories CSV files may be read from, besides LGT_DATA_DIR (see allowedDataDirs). */
  dataDirs?: readonly string[];
}

/**
 * The command lines a process runs as objectives: LGT_ALLOW_COMMANDS (a JSON array; how a worker
 * tells its trial processes its --allow-command) and `extra`. Nothing else: a command in Redis or
 * in a request body is data until the operator has named it.
 */
export function allowedCommands(extra: readonly string[] = []): string[] {
  const text = process.env['LGT_ALLOW_COMMANDS'];
  let fromEnv: string[] = [];
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) fromEnv = parsed.filter((c): c is string => typeof c === 'string');
    } catch {
      throw new Error('LGT_ALLOW_COMMANDS must be a JSON array of command lines');
    }
  }
  return [...new Set([...fromEnv, ...extra])];
}

/**
 * The directories a process loads task modules from: its working directory, LGT_TASK_DIRS
 * (path-delimited; how a worker tells its trial processes its --task-dir) and `extra`.
 */
export function allowedTaskDirs(extra: readonly string[] = []): string[] {
  const fromEnv = (process.env['LGT_TASK_DIRS'] ?? '').split(path.delimiter).filter(Boolean);
  return [...new Set([process.cwd(), ...fromEnv, ...extra].map((d) => path.resolve(d)))];
}

/** This process's permissions: `options` merged with its environment. */
export function permissionsOf(options: PermissionOptions = {}): Permissions {
  return {
    taskDirs: allowedTaskDirs(options.taskDirs),
    commands: allowedCommands(options.commands),
    dataDirs: allowedDataDirs(options.dataDirs),
  };
}

/**
 * A task this process may not run (see refusalOf). A worker that meets one leaves the job to a
 * worker that may (it never fails the campaign for it); a request that names one is refused.
 */
export class NotAllowedHere extends RequestError {
  constructor(message: string) {
    super(message);
    this.name = 'NotAllowedHere';
  }
}

/** A shell-quoted word for the flags a refusal suggests. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The flag a worker needs to run a task (`--allow-command 'python3 obj.py'`), for the sentence
 * that says what a campaign waits for; undefined for a built-in task, which any worker runs.
 */
export function flagToRun(spec: TaskSpec): string | undefined {
  switch (spec.kind) {
    case 'builtin':
      return undefined;
    case 'module':
      return `--task-dir ${quoted(path.dirname(spec.path))}`;
    case 'command':
      return `--allow-command ${quoted(spec.command)}`;
    case 'csv':
      return `--data-dir ${quoted(path.dirname(spec.file))}`;
  }
}

/**
 * Why a process with `permissions` may not run a task, in words that name the flag that would
 * allow it; undefined when it may. Checked before a module is imported, a command started or a
 * data file opened: a spec from Redis or a request body is data, and only the operator chooses
 * what runs. Built-in tasks are looked up by name and run anywhere.
 */
export function refusalOf(spec: TaskSpec, permissions: Permissions): string | undefined {
  switch (spec.kind) {
    case 'builtin':
      return undefined;
    case 'module':
      return isInsideDirectories(spec.path, permissions.taskDirs)
        ? undefined
        : `task module ${spec.path} is outside the directories this process loads modules from (${permissions.taskDirs.join(', ')}); start the worker with --task-dir <dir> to allow its directory`;
    case 'command':
      return permissions.commands.includes(spec.command)
        ? undefined
        : `the command "${spec.command}" is not one this process may run; start the worker with --allow-command ${quoted(spec.command)} (or set LGT_ALLOW_COMMANDS) to allow it`;
    case 'csv':
      if (isInsideDirectories(spec.file, permissions.dataDirs)) return undefined;
      return permissions.dataDirs.length === 0
        ? `the data file ${spec.file} cannot be read here: this process reads data from no directory; start the worker with --data-dir <dir> (or set LGT_DATA_DIR) to allow the file's directory`
        : `the data file ${spec.file} is outside the directories this process reads data from (${permissions.dataDirs.join(', ')}); start the worker with --data-dir <dir> (or set LGT_DATA_DIR) to allow its directory`;
  }
}
