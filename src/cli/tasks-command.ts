import type { Command } from 'commander';
import {
  describeCondition,
  describeRange,
  describeSearch,
  type Area,
} from '../search-space/param.ts';
import type { AnyModelTask, AnyTask, TaskKind } from '../task-kinds/task.ts';
import { paint, table } from './terminal.ts';
import { describeTaskJson } from '../task-kinds/task-description.ts';
import { builtInTasks, resolveTask, taskFamilies } from '../catalog/task-registry.ts';
import { printTaskNotes } from './terminal.ts';
import { UsageError } from './usage-error.ts';
import type { TabularData } from '../task-kinds/tabular/tabular-task.ts';
import { csvSummary } from '../task-kinds/tabular/csv-summary.ts';

const AREAS: Area[] = ['architecture', 'training', 'features', 'regularization'];

export function registerTasksCommand(program: Command): void {
  program
    .command('tasks')
    .argument('[task]', 'show one task in full (a built-in name or a task module path)')
    .description('list the tasks with their metric and search space')
    .option(
      '--json',
      'machine-readable: each search space with types, bounds, scales, choices, conditions, defaults',
    )
    .option('--csv <file>', 'show the task lgt builds from your CSV file (with --target)')
    .option('--target <column>', 'the column of --csv to predict')
    .option('--kind <kind>', 'classification or regression (guessed when omitted)')
    .option(
      '--keep-columns <names>',
      'comma-separated columns to keep although they look like IDs or free text',
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .action(async (name: string | undefined, opts: TasksOptions) => {
      if (opts.csv) {
        if (opts.kind && opts.kind !== 'classification' && opts.kind !== 'regression')
          throw new UsageError('--kind must be classification or regression');
        const task = await resolveTask({
          csv: opts.csv,
          ...(opts.target ? { target: opts.target } : {}),
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.keepColumns ? { keepColumns: opts.keepColumns } : {}),
        });
        printTaskNotes(task);
        // Before anything runs: the schema as inferred, the rows of each split, the space.
        // A CSV is always a model task (a table lgt trains on).
        const data = (await (task as AnyModelTask).load({ splitSeed: 0 })) as TabularData;
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ ...describeTaskJson(task), ...csvSummary(data) }, null, 2)}\n`,
          );
          return;
        }
        process.stdout.write(describeCsvData(data));
        process.stdout.write(describeTask(task));
        return;
      }
      // A family's name lists its members, as the list lists the built-in tasks.
      const family = taskFamilies.find((f) => f.name === name);
      const one = name !== undefined && !family;
      const tasks = family
        ? family.members()
        : one
          ? [await resolveTask({ task: name })]
          : builtInTasks;
      if (opts.json) {
        const json = tasks.map(describeTaskJson);
        process.stdout.write(`${JSON.stringify(one ? json[0] : json, null, 2)}\n`);
        return;
      }
      if (one) {
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
      if (!family)
        for (const f of taskFamilies) {
          const members = f.members();
          const first = members[0]!;
          rows.push([
            f.pattern,
            first.kind,
            `${first.metric.name} (${first.metric.direction === 'maximize' ? 'higher' : 'lower'} is better)`,
            `${first.space.params.length} dims`,
            `${members.length} tasks: lgt tasks ${f.name}`,
          ]);
        }
      process.stdout.write(`${table(rows)}\n\n`);
      process.stdout.write(
        `${paint('dim', 'lgt tasks <name> shows a task in full; lgt tasks --json gives every search space for outside optimizers.')}\n`,
      );
    });
}

interface TasksOptions {
  json?: boolean;
  csv?: string;
  target?: string;
  kind?: TaskKind;
  keepColumns?: string[];
}

function describeCsvData(data: TabularData): string {
  const summary = csvSummary(data);
  const rows = [['column', 'kind', 'missing', 'levels']];
  for (const c of summary.columns)
    rows.push([c.name, c.kind, String(c.missing), c.levels === undefined ? '' : String(c.levels)]);
  const r = summary.rows;
  return [
    paint('bold', `${data.table.source}: ${data.table.rowCount} rows`),
    table(rows),
    ...(summary.classes ? [`classes: ${summary.classes.join(', ')}`] : []),
    `rows per split (split seed 0): ${r.train} training, ${r.validation} validation, ${r.test} test`,
    '',
    '',
  ].join('\n');
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
      lines.push(
        `  ${p.name}: ${describeRange(p)}${describeSearch(p)}; default ${JSON.stringify(p.default)}${when}`,
      );
      lines.push(`    ${paint('dim', p.description)}`);
    }
  }
  lines.push('', paint('bold', 'untuned baseline'), `  ${JSON.stringify(task.baseline)}`, '');
  return lines.join('\n');
}
