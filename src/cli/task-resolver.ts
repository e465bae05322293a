import { existsSync } from 'node:fs';
import path from 'node:path';
import { builtInTasks, findBuiltInTask } from '../../tasks/index.ts';
import { createCsvTask } from '../tasks/csv-task.ts';
import { importTaskModule } from '../tasks/task-module-loader.ts';
import { SearchSpace } from '../search-space/search-space.ts';
import type { AnyTask, TaskKind } from '../tasks/task.ts';
import { UsageError } from './usage-error.ts';

export interface TaskSelection {
  /** A built-in task name, or the path of a task module (./my-task.ts). */
  task?: string;
  csv?: string;
  target?: string;
  kind?: TaskKind;
  keepColumns?: string[];
  dataDirs?: string[];
}

/**
 * Finds the task a command is about: a built-in name, a module a person wrote against the
 * task interface, or a CSV file with a target column.
 */
export async function resolveTask(selection: TaskSelection): Promise<AnyTask> {
  if (selection.csv) {
    if (selection.task) throw new UsageError('give either --task or --csv, not both');
    if (!selection.target) {
      throw new UsageError('--csv needs --target <column>: the column to predict');
    }
    const file = path.resolve(selection.csv);
    if (!existsSync(file)) throw new UsageError(`--csv: the file ${file} does not exist`);
    try {
      return await createCsvTask({
        file: selection.csv,
        target: selection.target,
        ...(selection.kind ? { kind: selection.kind } : {}),
        ...(selection.keepColumns ? { keepColumns: selection.keepColumns } : {}),
      });
    } catch (error) {
      // A CSV that cannot be read or has no such column: the message names the file and the fix.
      throw new UsageError((error as Error).message);
    }
  }
  if (!selection.task) {
    throw new UsageError(
      `name a task with --task (one of: ${builtInTasks.map((t) => t.name).join(', ')}), a task module with --task ./my-task.ts, or a CSV with --csv <file> --target <column>`,
    );
  }
  if (looksLikePath(selection.task)) return loadTaskModule(selection.task);
  const task = findBuiltInTask(selection.task);
  if (!task) {
    throw new UsageError(
      `unknown task "${selection.task}"; built-in tasks: ${builtInTasks.map((t) => t.name).join(', ')} (or a module path such as ./my-task.ts, or --csv)`,
    );
  }
  return task;
}

/** Tells a person what lgt decided about their data (rows dropped, columns left out). */
export function printTaskNotes(task: AnyTask): void {
  for (const note of task.notes ?? []) process.stderr.write(`lgt: note: ${note}\n`);
}

export function looksLikePath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || /\.(ts|js|mjs|mts)$/.test(name);
}

const REQUIRED_MEMBERS = ['load', 'prepare', 'buildModel', 'trainingPlan'] as const;

/** Imports a task module (its default export, or an export named `task`) and checks its shape. */
export async function loadTaskModule(file: string): Promise<AnyTask> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new UsageError(`task module ${absolute} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = await importTaskModule(absolute);
  } catch (error) {
    throw new UsageError(`could not load task module ${file}: ${(error as Error).message}`);
  }
  const task = (mod['default'] ?? mod['task']) as Partial<AnyTask> | undefined;
  const problems: string[] = [];
  if (!task || typeof task !== 'object') {
    throw new UsageError(
      `${file} must export a task as its default export (export default defineTabularTask({...})) or as \`task\``,
    );
  }
  if (typeof task.name !== 'string' || task.name === '') problems.push('name (a string)');
  if (task.kind !== 'classification' && task.kind !== 'regression') {
    problems.push('kind ("classification" or "regression")');
  }
  if (!task.metric?.name || !task.metric.direction) problems.push('metric ({ name, direction })');
  if (!(task.space instanceof SearchSpace)) problems.push('space (a SearchSpace)');
  for (const member of REQUIRED_MEMBERS) {
    if (typeof task[member] !== 'function') problems.push(`${member}() (a function)`);
  }
  if (problems.length > 0) {
    throw new UsageError(
      `${file} exports a task without: ${problems.join(', ')}; see "Your own task" in the README`,
    );
  }
  return task as AnyTask;
}
