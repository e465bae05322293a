import path from 'node:path';
import { loadTaskModule, looksLikePath, resolveTask } from '../cli/task-resolver.ts';
import type { AnyTask } from '../tasks/task.ts';
import type { TaskSpec } from './campaign-request.ts';

/** The spec a job carries for a task chosen on the command line (paths made absolute). */
export function taskSpecOf(selection: {
  task?: string;
  csv?: string;
  target?: string;
  kind?: 'classification' | 'regression';
}): TaskSpec {
  if (selection.csv) {
    return {
      kind: 'csv',
      file: path.resolve(selection.csv),
      target: selection.target ?? '',
      ...(selection.kind ? { problem: selection.kind } : {}),
    };
  }
  const name = selection.task ?? '';
  if (looksLikePath(name)) return { kind: 'module', path: path.resolve(name) };
  return { kind: 'builtin', name };
}

/** Loads the task a spec names (built-in, module or CSV). */
export function loadTask(spec: TaskSpec): Promise<AnyTask> {
  switch (spec.kind) {
    case 'builtin':
      return resolveTask({ task: spec.name });
    case 'module':
      return loadTaskModule(spec.path);
    case 'csv':
      return resolveTask({
        csv: spec.file,
        target: spec.target,
        ...(spec.problem ? { kind: spec.problem } : {}),
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
