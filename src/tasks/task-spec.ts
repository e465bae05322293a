import path from 'node:path';
import { z } from 'zod';

/** A file or directory path as a request gives it (checked against allowed places where it is used). */
export const PathTextSchema = z
  .string({ error: 'must be a path' })
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4,096 characters');

/** How a job names its task, so any worker on any machine can load the same one. */
export const TaskSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('builtin'),
    name: z.string().min(1, 'must name a task').max(100, 'must be at most 100 characters'),
  }),
  z.object({ kind: z.literal('module'), path: PathTextSchema }),
  z.object({
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

/** Whether a task name is a module path rather than a built-in task's name. */
export function looksLikePath(name: string): boolean {
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
  }
}
