import { existsSync } from 'node:fs';
import path from 'node:path';
import { isInsideDirectories } from '../files/path-inside.ts';
import type { TaskSpec } from '../task-kinds/task-spec.ts';
import { LgtError } from '../errors/lgt-error.ts';

export interface AllowedPlaces {
  /** Where a body's CSV file may be (lgt serve --data-dir). */
  dataDirs: readonly string[];
  /** Where a body's task module may be (lgt serve --task-dir); none: modules are refused. */
  taskDirs: readonly string[];
  /** Command lines a body may name as its objective (lgt serve --allow-command); none by default. */
  commands: readonly string[];
}

/**
 * The task a request body names, with its path placed inside the server's allowed directories: a
 * CSV file relative to a data directory (or absolute inside one), a module only inside a task
 * directory. A path from a body is data: it never leads outside what the operator allowed, and
 * `..` or a symbolic link that does is refused like any other outside path.
 */
export function placeBodyTask(spec: TaskSpec, places: AllowedPlaces): TaskSpec {
  switch (spec.kind) {
    case 'builtin':
      return spec;
    case 'csv':
      return {
        ...spec,
        file: place(spec.file, places.dataDirs, 'task.file', 'data', '--data-dir'),
      };
    case 'module':
      if (places.taskDirs.length === 0) {
        throw refusal(
          'task.path',
          'cannot name a task module: this server loads none (its operator can allow a directory with lgt serve --task-dir)',
        );
      }
      return {
        ...spec,
        path: place(spec.path, places.taskDirs, 'task.path', 'task', '--task-dir'),
      };
    case 'command':
      // A command runs as the server's user: only one its operator named, word for word.
      if (!places.commands.includes(spec.command)) {
        throw refusal(
          'task.command',
          places.commands.length === 0
            ? 'cannot be used: this server runs no commands (its operator can allow one with lgt serve --allow-command)'
            : `is not one this server runs; it runs: ${places.commands.join(' | ')}`,
        );
      }
      // It runs where the server was started, not in a directory a body chose.
      return { ...spec, cwd: process.cwd() };
  }
}

function place(
  given: string,
  dirs: readonly string[],
  field: string,
  kind: string,
  flag: string,
): string {
  if (dirs.length === 0) {
    throw refusal(
      field,
      `cannot be used: this server has no ${kind} directory (lgt serve ${flag})`,
    );
  }
  const candidates = path.isAbsolute(given) ? [given] : dirs.map((d) => path.resolve(d, given));
  const inside = candidates.filter((c) => isInsideDirectories(c, dirs));
  if (inside.length === 0) {
    throw refusal(
      field,
      `must be inside the server's ${kind} directories (${dirs.join(', ')}); give a path relative to one of them`,
    );
  }
  // The first that exists; else the first candidate, and loading the task says it is missing.
  return inside.find((c) => existsSync(c)) ?? inside[0]!;
}

function refusal(field: string, message: string): LgtError {
  return new LgtError('invalid-request', `${field} ${message}`, [{ field, message }]);
}
