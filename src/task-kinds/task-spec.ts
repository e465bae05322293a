import path from 'node:path';
import { z } from 'zod';
import { readSpaceFile } from '../search-space/space-file.ts';
import { RequestError } from '../errors/request-error.ts';
import { type Direction, DirectionSchema } from '../maths/direction.ts';

/** A file or directory path as a request gives it (checked against allowed places where it is used). */
export const PathTextSchema = z
  .string({ error: 'must be a path' })
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4,096 characters');

/**
 * What a built-in task's name looks like (iris, wine-quality, bench:hartmann6, a family's member
 * bench:lcbench/3945): letters, digits, '-', '_', one 'family:' prefix, and after it members
 * separated by '/'. No '.' or '\\', and no '/' before the family's colon, so no name is ever
 * also a path (none starts with '/' or './', none climbs with '..'). The registry only looks
 * names up; nothing is read or imported by a name.
 */
export const BuiltInTaskNameSchema = z
  .string({ error: 'must name a built-in task' })
  .min(1, 'must name a task')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]*(:[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*)?$/,
    'must be the name of a built-in task (lgt tasks lists them), not a path: a task module is { kind: "module", path }',
  );

/** How a job names its task, so any worker on any machine can load the same one. */
export const TaskSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    /**
     * A built-in task's name, never a path: a module is `kind: module`, which only loads from
     * the operator's task directories. The registry is asked for the name; nothing is imported.
     */
    name: BuiltInTaskNameSchema,
  }),
  z.strictObject({ kind: z.literal('module'), path: PathTextSchema }),
  z.strictObject({
    kind: z.literal('command'),
    /** The command line with {placeholders}; run without a shell (see command-template.ts). */
    command: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4,096 characters'),
    /** Where it runs (absolute). */
    cwd: PathTextSchema,
    /** The space file's content: a job carries it, so a worker elsewhere needs no copy. */
    space: z.record(z.string(), z.unknown()),
    metric: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,49}$/, 'must be a metric name such as val_loss'),
    direction: DirectionSchema,
    name: z.string().min(1).max(100).optional(),
  }),
  z.strictObject({
    kind: z.literal('csv'),
    file: PathTextSchema,
    target: z
      .string({ error: 'must name a column' })
      .min(1, 'must name a column')
      .max(1000, 'must be at most 1,000 characters'),
    /** Columns kept although they look like IDs or free text (--keep-columns). */
    keepColumns: z.array(z.string().max(1000)).max(1000).optional(),
    problem: z.enum(['classification', 'regression']).optional(),
  }),
]);
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
export type CommandTaskSpec = Extract<TaskSpec, { kind: 'command' }>;

/** The spec a job carries for a task chosen on the command line (paths made absolute). */
export function taskSpecOf(selection: {
  task?: string;
  csv?: string;
  target?: string;
  kind?: 'classification' | 'regression';
  keepColumns?: string[];
  command?: string;
  space?: string;
  metric?: string;
  direction?: Direction;
}): TaskSpec {
  if (selection.command !== undefined)
    return commandSpecOf({ ...selection, command: selection.command });
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

/**
 * What a person who names a task allows the processes they start themselves (lgt run, lgt
 * resume, startCampaign): loading its module's directory, running its command, reading its CSV
 * file's directory and the data directories they named. Other workers need their operator's
 * --task-dir, --allow-command or --data-dir.
 */
export function ownPermissionsOf(
  spec: TaskSpec,
  dataDirs: readonly string[] = [],
): { taskDirs: string[]; commands: string[]; dataDirs: string[] } {
  return {
    taskDirs: spec.kind === 'module' ? [path.dirname(path.resolve(spec.path))] : [],
    commands: spec.kind === 'command' ? [spec.command] : [],
    dataDirs: [
      ...(spec.kind === 'csv' ? [path.dirname(path.resolve(spec.file))] : []),
      ...dataDirs.map((d) => path.resolve(d)),
    ],
  };
}

/** Whether a task name is a module path rather than a built-in task's name. */
export function looksLikePath(name: string): boolean {
  // A family's member (bench:lcbench/3945) is a name; a drive letter (C:/) is one letter.
  if (/^[a-z][a-z0-9-]+:[^/\\]/i.test(name)) return false;
  return name.includes('/') || name.includes('\\') || /\.(ts|js|mjs|mts)$/.test(name);
}

export function describeTaskSpec(spec: TaskSpec): string {
  switch (spec.kind) {
    case 'builtin':
      return spec.name;
    case 'module':
      return spec.path;
    case 'csv':
      return `${spec.file} (target ${spec.target})`;
    case 'command':
      return `the command ${spec.command}`;
  }
}

/**
 * A command objective's spec from the command line: the space file read and checked now (each
 * error naming its field), the metric from --metric or the file, the working directory this one.
 */
function commandSpecOf(selection: {
  command: string;
  space?: string;
  metric?: string;
  direction?: Direction;
  task?: string;
  csv?: string;
}): CommandTaskSpec {
  if (selection.task || selection.csv)
    throw new RequestError('give either --command or a task (--task, --csv), not both');
  if (!selection.space)
    throw new RequestError(
      '--command needs --space <file>: the parameters to tune (YAML or JSON; see "A command in any language" in docs/objectives.md)',
    );
  let file;
  try {
    file = readSpaceFile(path.resolve(selection.space));
  } catch (error) {
    throw new RequestError((error as Error).message);
  }
  const metric = selection.metric ?? file.metric;
  const direction = selection.direction ?? file.direction;
  if (!metric)
    throw new RequestError(
      '--command needs --metric <name> (or metric: in the space file): the JSON field the command prints, e.g. val_loss',
    );
  if (!direction)
    throw new RequestError(
      '--command needs --direction minimize|maximize (or direction: in the space file)',
    );
  return {
    kind: 'command',
    command: selection.command,
    cwd: process.cwd(),
    space: file as Record<string, unknown>,
    metric,
    direction,
    ...(file.name ? { name: file.name } : {}),
  };
}
