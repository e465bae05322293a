import { existsSync } from 'node:fs';
import path from 'node:path';
// The task registry is where the kinds of task (src/task-kinds) meet the built-in tasks of
// tasks/: it sits in a layer above both, so neither imports the other's way back up.
import { builtInTasks, findBuiltInTask, taskFamilies } from '../../tasks/index.ts';
import { RequestError } from '../errors/request-error.ts';
import { closestName } from '../format/closest-name.ts';
import { SearchSpace } from '../search-space/search-space.ts';
import { createCsvTask } from '../task-kinds/csv-task.ts';
import { importTaskModule } from '../task-kinds/task-module-loader.ts';
import type { AnyTask, TaskKind } from '../task-kinds/task.ts';
import {
  looksLikePath,
  taskSpecOf,
  type CommandTaskSpec,
  type TaskSpec,
} from '../task-kinds/task-spec.ts';
import { commandObjective } from '../task-kinds/command-objective.ts';
import {
  NotAllowedHere,
  permissionsOf,
  refusalOf,
  type PermissionOptions,
} from '../task-kinds/task-permissions.ts';
import type { Direction } from '../maths/direction.ts';

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
  direction?: Direction;
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
  const task = mod['default'] ?? mod['task'];
  if (!task || typeof task !== 'object') {
    throw new RequestError(
      `${file} must export a task as its default export (export default defineObjective({...}) or defineTabularTask({...})) or as \`task\``,
    );
  }
  const problems = taskProblems(task);
  if (!isTask(task, problems)) {
    throw new RequestError(
      `${file} exports a task without: ${problems.join(', ')}; see "Your own data" in docs/your-own-data.md`,
    );
  }
  return task;
}

/** What an exported object lacks to be a task, each in words (none: it is one). */
function taskProblems(task: object): string[] {
  // Read through Reflect.get: a task may be a class instance, its members on the prototype.
  const get = (o: object, key: string): unknown => Reflect.get(o, key);
  const kind = get(task, 'kind');
  const metric = get(task, 'metric');
  const problems: string[] = [];
  const name = get(task, 'name');
  if (typeof name !== 'string' || name === '') problems.push('name (a string)');
  if (kind !== 'classification' && kind !== 'regression' && kind !== 'objective') {
    problems.push('kind ("classification", "regression", or "objective" from defineObjective)');
  }
  if (!metric || typeof metric !== 'object' || !get(metric, 'name') || !get(metric, 'direction'))
    problems.push('metric ({ name, direction })');
  if (!(get(task, 'space') instanceof SearchSpace)) problems.push('space (a SearchSpace)');
  const members = kind === 'objective' ? (['objective'] as const) : REQUIRED_MEMBERS;
  for (const member of members) {
    if (typeof get(task, member) !== 'function') problems.push(`${member}() (a function)`);
  }
  return problems;
}

/** The checks of taskProblems as a type guard: an object with none of them is a task. */
function isTask(task: object, problems: readonly string[]): task is AnyTask {
  return problems.length === 0;
}

/** What a process may load besides what its environment allows: see permissionsOf. */
export type LoadTaskOptions = PermissionOptions;

function objectiveOfCommand(spec: CommandTaskSpec): AnyTask {
  try {
    return commandObjective(spec);
  } catch (error) {
    throw new RequestError((error as Error).message);
  }
}

/** Loads the task a spec names (built-in, module or CSV). */
export async function loadTask(spec: TaskSpec, options: LoadTaskOptions = {}): Promise<AnyTask> {
  // Refused before a module is imported, a command started or a file opened (see refusalOf).
  const refusal = refusalOf(spec, permissionsOf(options));
  if (refusal) throw new NotAllowedHere(refusal);
  switch (spec.kind) {
    case 'builtin':
      // Looked up by name only: a name from a request or a record never reaches a module loader.
      return builtInTaskNamed(spec.name);
    case 'module':
      return loadTaskModule(spec.path);
    case 'command':
      return objectiveOfCommand(spec);
    case 'csv':
      return resolveTask({
        csv: spec.file,
        target: spec.target,
        ...(spec.problem ? { kind: spec.problem } : {}),
        ...(spec.keepColumns ? { keepColumns: spec.keepColumns } : {}),
      });
  }
}
