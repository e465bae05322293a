import { existsSync } from 'node:fs';
import { isInsideDirectories } from '../files/path-inside.ts';
import path from 'node:path';
// The task registry is where src/ meets the built-in task modules of tasks/ (a composition root:
// nothing else under src/ imports them, test/architecture/layers.test.ts checks it).
import { builtInTasks, findBuiltInTask, taskFamilies } from '../../tasks/index.ts';
import { RequestError } from '../errors/request-error.ts';
import { closestName } from '../format/closest-name.ts';
import { SearchSpace } from '../search-space/search-space.ts';
import { createCsvTask } from './csv-task.ts';
import { importTaskModule } from './task-module-loader.ts';
import type { AnyTask, TaskKind } from './task.ts';
import { looksLikePath, taskSpecOf, type CommandTaskSpec, type TaskSpec } from './task-spec.ts';
import { commandObjective } from './command-objective.ts';
import { allowedDataDirs } from '../env/data-dirs.ts';

export { builtInTasks, findBuiltInTask, taskFamilies };
export type { TaskFamily } from '../../tasks/index.ts';

export interface TaskSelection {
  /** A built-in task name, or the path of a task module (./my-task.ts). */
  task?: string;
  csv?: string;
  target?: string;
  kind?: TaskKind;
  keepColumns?: string[];
  dataDirs?: string[];
  /** A command line to tune (with --space, --metric, --direction): see command-objective.ts. */
  command?: string;
  space?: string;
  metric?: string;
  direction?: 'maximize' | 'minimize';
}

/**
 * Finds the task a request is about: a built-in name, a module a person wrote against the task
 * interface, or a CSV file with a target column.
 */
export async function resolveTask(selection: TaskSelection): Promise<AnyTask> {
  // Named on this command line, so this person's choice: allowed without a list.
  if (selection.command !== undefined)
    return objectiveOfCommand(taskSpecOf(selection) as CommandTaskSpec);
  if (selection.csv) {
    if (selection.task) throw new RequestError('give either --task or --csv, not both');
    if (!selection.target) {
      throw new RequestError('--csv needs --target <column>: the column to predict');
    }
    const file = path.resolve(selection.csv);
    if (!existsSync(file)) throw new RequestError(`--csv: the file ${file} does not exist`);
    try {
      return await createCsvTask({
        file: selection.csv,
        target: selection.target,
        ...(selection.kind ? { kind: selection.kind } : {}),
        ...(selection.keepColumns ? { keepColumns: selection.keepColumns } : {}),
      });
    } catch (error) {
      // A CSV that cannot be read or has no such column: the message names the file and the fix.
      throw new RequestError((error as Error).message);
    }
  }
  if (!selection.task) {
    throw new RequestError(
      `name a task with --task (one of: ${builtInTasks.map((t) => t.name).join(', ')}), a task module with --task ./my-task.ts, or a CSV with --csv <file> --target <column>`,
    );
  }
  // A path typed on this command line: this person's own module.
  if (looksLikePath(selection.task)) return loadTaskModule(selection.task);
  return builtInTaskNamed(selection.task);
}

/** The built-in task of that name; an unknown name is an error listing the names. */
function builtInTaskNamed(name: string): AnyTask {
  let task: AnyTask | undefined;
  try {
    task = findBuiltInTask(name);
  } catch (error) {
    // A family's member that does not exist (bench:lcbench/123): the message names the members.
    throw new RequestError((error as Error).message);
  }
  if (!task) {
    const names = builtInTasks.map((t) => t.name);
    const meant = closestName(name, names);
    throw new RequestError(
      `unknown task "${name}"; built-in tasks: ${[...names, ...taskFamilies.map((f) => f.pattern)].join(', ')} (or a module path such as ./my-task.ts, or --csv)${meant ? `; did you mean ${meant}?` : ''}`,
    );
  }
  return task;
}

const REQUIRED_MEMBERS = ['load', 'prepare', 'buildModel', 'trainingPlan'] as const;

/** Imports a task module (its default export, or an export named `task`) and checks its shape. */
export async function loadTaskModule(file: string): Promise<AnyTask> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new RequestError(`task module ${absolute} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = await importTaskModule(absolute);
  } catch (error) {
    throw new RequestError(`could not load task module ${file}: ${(error as Error).message}`);
  }
  // Checked member by member before it is trusted as a task.
  const task = (mod['default'] ?? mod['task']) as
    (Record<string, unknown> & { metric?: { name?: unknown; direction?: unknown } }) | undefined;
  const problems: string[] = [];
  if (!task || typeof task !== 'object') {
    throw new RequestError(
      `${file} must export a task as its default export (export default defineObjective({...}) or defineTabularTask({...})) or as \`task\``,
    );
  }
  if (typeof task.name !== 'string' || task.name === '') problems.push('name (a string)');
  if (task.kind !== 'classification' && task.kind !== 'regression' && task.kind !== 'objective') {
    problems.push('kind ("classification", "regression", or "objective" from defineObjective)');
  }
  if (!task.metric?.name || !task.metric.direction) problems.push('metric ({ name, direction })');
  if (!(task.space instanceof SearchSpace)) problems.push('space (a SearchSpace)');
  const members = task.kind === 'objective' ? (['objective'] as const) : REQUIRED_MEMBERS;
  for (const member of members) {
    if (typeof task[member] !== 'function') problems.push(`${member}() (a function)`);
  }
  if (problems.length > 0) {
    throw new RequestError(
      `${file} exports a task without: ${problems.join(', ')}; see "Your own data" in docs/your-own-data.md`,
    );
  }
  return task as unknown as AnyTask;
}

export interface LoadTaskOptions {
  /** Directories task modules may come from, besides the working directory and LGT_TASK_DIRS. */
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
  return [...fromEnv, ...extra];
}

function objectiveOfCommand(spec: CommandTaskSpec): AnyTask {
  try {
    return commandObjective(spec);
  } catch (error) {
    throw new RequestError((error as Error).message);
  }
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
  if (!isInsideDirectories(file, dirs)) {
    throw new Error(
      `task module ${file} is outside the directories this process loads modules from (${dirs.join(', ')}); start the worker with --task-dir <dir> to allow its directory`,
    );
  }
}

/**
 * Refuses a CSV file outside the directories this process reads data from: a record that names
 * /etc/passwd is data too. Checked before the file is opened, so nothing of it is read.
 */
function checkDataAllowed(file: string, dirs: readonly string[]): void {
  if (!isInsideDirectories(file, dirs)) {
    throw new RequestError(
      dirs.length === 0
        ? `the data file ${file} cannot be read here: this process reads data from no directory; start the worker with --data-dir <dir> (or set LGT_DATA_DIR) to allow the file's directory`
        : `the data file ${file} is outside the directories this process reads data from (${dirs.join(', ')}); start the worker with --data-dir <dir> (or set LGT_DATA_DIR) to allow its directory`,
    );
  }
}

/** Loads the task a spec names (built-in, module or CSV). */
export async function loadTask(spec: TaskSpec, options: LoadTaskOptions = {}): Promise<AnyTask> {
  switch (spec.kind) {
    case 'builtin':
      // Looked up by name only: a name from a request or a record never reaches a module loader.
      return builtInTaskNamed(spec.name);
    case 'module':
      checkModuleAllowed(spec.path, allowedTaskDirs(options.taskDirs));
      return loadTaskModule(spec.path);
    case 'command':
      if (!allowedCommands(options.commands).includes(spec.command))
        throw new Error(
          `the command "${spec.command}" is not one this process may run; start the worker with --allow-command '${spec.command}' (or set LGT_ALLOW_COMMANDS) to allow it`,
        );
      return objectiveOfCommand(spec);
    case 'csv':
      checkDataAllowed(spec.file, allowedDataDirs(options.dataDirs));
      return resolveTask({
        csv: spec.file,
        target: spec.target,
        ...(spec.problem ? { kind: spec.problem } : {}),
        ...(spec.keepColumns ? { keepColumns: spec.keepColumns } : {}),
      });
  }
}
