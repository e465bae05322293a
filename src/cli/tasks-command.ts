import type { Command } from 'commander';
import { builtInTasks } from '../../tasks/index.ts';
import { describeCondition, describeRange, type Area } from '../search-space/param.ts';
import type { AnyTask } from '../tasks/task.ts';
import { paint, table } from './terminal.ts';
import { resolveTask } from './task-resolver.ts';

const AREAS: Area[] = ['architecture', 'training', 'features', 'regularization'];

/** The machine-readable description of a task, for outside optimizers (`lgt tasks --json`). */
export function taskToJson(task: AnyTask) {
  return {
    name: task.name,
    title: task.title,
    kind: task.kind,
    metric: task.metric,
    description: task.description,
    data: task.dataSummary,
    baseline: task.baseline,
    space: task.space.toJSON(),
  };
}

export function registerTasksCommand(program: Command): void {
  program
    .command('tasks')
    .argument('[task]', 'show one task in full (a built-in name or a task module path)')
    .description('list the tasks with their metric and search space')
    .option(
      '--json',
      'machine-readable: each search space with types, bounds, scales, choices, conditions, defaults',
    )
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const tasks = name ? [await resolveTask({ task: name })] : builtInTasks;
      if (opts.json) {
        const json = tasks.map(taskToJson);
        process.stdout.write(`${JSON.stringify(name ? json[0] : json, null, 2)}\n`);
        return;
      }
      if (name) {
        process.stdout.write(describeTask(tasks[0]!));
        return;
      }
      const rows = [['task', 'kind', 'metric', 'search space', 'data']];
      for (const t of tasks) {
        const counts = AREAS.map(
          (a) => `${t.space.params.filter((p) => p.area === a).length} ${a}`,
        );
        rows.push([
          t.name,
          t.kind,
          `${t.metric.name} (${t.metric.direction === 'maximize' ? 'higher' : 'lower'} is better)`,
          `${t.space.params.length} dims: ${counts.join(', ')}`,
          t.dataSummary,
        ]);
      }
      process.stdout.write(`${table(rows)}\n\n`);
      process.stdout.write(
        `${paint('dim', 'lgt tasks <name> shows a task in full; lgt tasks --json gives every search space for outside optimizers.')}\n`,
      );
    });
}

function describeTask(task: AnyTask): string {
  const lines = [
    paint('bold', `${task.name}: ${task.title}`),
    '',
    task.description,
    '',
    `kind: ${task.kind}; metric: ${task.metric.name} (${task.metric.direction}); data: ${task.dataSummary}`,
    '',
  ];
  for (const area of AREAS) {
    const params = task.space.params.filter((p) => p.area === area);
    if (params.length === 0) continue;
    lines.push(paint('bold', area));
    for (const p of params) {
      const when = p.when ? ` (${describeCondition(p.when)})` : '';
      lines.push(`  ${p.name}: ${describeRange(p)}; default ${JSON.stringify(p.default)}${when}`);
      lines.push(`    ${paint('dim', p.description)}`);
    }
  }
  lines.push('', paint('bold', 'untuned baseline'), `  ${JSON.stringify(task.baseline)}`, '');
  return lines.join('\n');
}
