import { orNaN } from '../maths/finite.ts';
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parseInteger } from './cli-options.ts';
import type { Config } from '../search-space/search-space.ts';
import type { AnyTask, TaskKind } from '../task-kinds/task.ts';
import { selectBackend } from '../trainer/backend.ts';
import type { Metrics } from '../trainer/metrics.ts';
import { TaskTrainer } from '../trainer/task-trainer.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import { describeEpochCap } from '../trainer/step-budget.ts';
import type { EpochRecord, TrialResult } from '../trainer/trainer.ts';
import { resolveTask } from '../catalog/task-registry.ts';
import { formatNumber } from '../format/display-format.js';
import { formatSeconds, paint, printTaskNotes, sparkline, StatusLine, table } from './terminal.ts';
import { UsageError } from './usage-error.ts';
import type { Direction } from '../maths/direction.ts';

interface TrialOptions {
  task?: string;
  csv?: string;
  target?: string;
  kind?: TaskKind;
  keepColumns?: string[];
  command?: string;
  space?: string;
  metric?: string;
  direction?: Direction;
  config?: string;
  seed: number;
  splitSeed: number;
  epochs?: number;
  stepBudget?: number;
  maxTrain?: number;
  dataDir: string[];
  json?: boolean;
  test?: boolean;
}

function parseNonNegative(label: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${label} must be a number >= 0, got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The options that choose a task, shared by every command that takes one. */
export function addTaskOptions(command: Command): Command {
  return command
    .option(
      '--command <command line>',
      'tune a command in any language: {param} placeholders, LGT_CONFIG; it prints JSON lines such as {"epoch": 3, "val_loss": 0.4} (with --space, --metric, --direction)',
    )
    .option('--space <file>', 'the parameters --command takes (YAML or JSON)')
    .option(
      '--metric <name>',
      "the JSON field of --command's output to tune (or metric: in --space)",
    )
    .option(
      '--direction <direction>',
      'minimize or maximize --metric (or direction: in --space)',
      (v) => {
        if (v !== 'minimize' && v !== 'maximize')
          throw new InvalidArgumentError('--direction must be minimize or maximize');
        return v;
      },
    )
    .option(
      '--task <name|file>',
      'a built-in task (see lgt tasks) or a task module such as ./my-task.ts',
    )
    .option('--csv <file>', 'build a task from your own CSV file (with --target)')
    .option('--target <column>', 'the column of --csv to predict')
    .option(
      '--kind <kind>',
      'classification or regression (guessed from --target when omitted)',
      (v) => {
        if (v !== 'classification' && v !== 'regression') {
          throw new InvalidArgumentError('--kind must be classification or regression');
        }
        return v;
      },
    )
    .option(
      '--keep-columns <names>',
      'comma-separated columns of --csv to keep although they look like IDs or free text',
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--data-dir <dir>',
      'look for data files here first (repeatable; default LGT_DATA_DIR, then the cache)',
      collect,
      [],
    )
    .option(
      '--split-seed <n>',
      'seed of the train/validation/test split',
      parseInteger('--split-seed', 0),
      0,
    )
    .option(
      '--max-train <n>',
      'train on at most n rows/images (a quicker, rougher look)',
      parseInteger('--max-train', 1),
    );
}

export function registerTrialCommand(program: Command): void {
  addTaskOptions(
    program
      .command('trial')
      .description(
        "train one configuration of a task and print its validation metrics (the task's untuned baseline when no --config)",
      ),
  )
    .option(
      '--config <json|file>',
      'the configuration: a JSON object or a JSON file; fields not given take the search space defaults',
    )
    .option(
      '--seed <n>',
      'seed of the weights, shuffling, dropout and augmentation',
      parseInteger('--seed', 0),
      0,
    )
    .option('--epochs <n>', "override the configuration's epochs", parseInteger('--epochs', 1))
    .option(
      '--step-budget <multiple>',
      "most optimizer steps, as a multiple of the default configuration's, as in a campaign (0: no cap)",
      parseNonNegative('--step-budget'),
    )
    .option('--test', 'also score the test split (do not use it to choose configurations)')
    .option('--json', 'print the result as JSON on stdout (progress stays on stderr)')
    .action(async (opts: TrialOptions) => {
      const task = await resolveTask({
        ...opts,
        ...(opts.dataDir.length ? { dataDirs: opts.dataDir } : {}),
      });
      printTaskNotes(task);
      const config = readConfig(task, opts.config);
      const status = new StatusLine();
      const say = (text: string) => {
        if (!opts.json) status.log(paint('dim', text, process.stderr));
        else status.update(text);
      };
      let data: unknown;
      if (isObjectiveTask(task)) {
        say(`${task.name}: running the objective with ${JSON.stringify(config)}`);
      } else {
        const backend = await selectBackend();
        say(`${task.name}: loading data…`);
        const loadStart = performance.now();
        data = await task.load({
          splitSeed: opts.splitSeed,
          ...(opts.maxTrain !== undefined ? { maxTrainRows: opts.maxTrain } : {}),
          ...(opts.dataDir.length ? { dataDirs: opts.dataDir } : {}),
          onProgress: (message: string) => status.update(message),
        });
        say(
          `${task.name}: data ready in ${formatSeconds((performance.now() - loadStart) / 1000)}; training on ${backend.note}`,
        );
      }
      const metricName = task.metric.name;
      // Ctrl-C stops the trial (an objective's command with its whole process group).
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const result = await new TaskTrainer().train({
        task,
        data,
        config,
        seed: opts.seed,
        ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
        ...(opts.dataDir.length ? { dataDirs: opts.dataDir } : {}),
        ...(opts.stepBudget !== undefined ? { stepBudget: opts.stepBudget } : {}),
        scoreTest: opts.test === true,
        signal: abort.signal,
        onProgress: (epoch, fraction) =>
          status.update(`epoch ${epoch} ${progressBar(fraction)} ${Math.round(fraction * 100)}%`),
        onEpoch: (record, planned) => {
          const line = `epoch ${record.epoch}${planned > 0 ? `/${planned}` : ''}  loss ${formatNumber(record.loss)}  val_loss ${formatNumber(record.validationLoss)}  val_${metricName} ${formatNumber(record.validationMetric)}  ${formatSeconds(record.seconds)}`;
          if (opts.json) status.update(line);
          else status.log(paint('dim', line, process.stderr));
        },
      });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      status.clear();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ task: task.name, ...result }, null, 2)}\n`);
      } else {
        process.stdout.write(formatTrial(task, result));
      }
      if (result.status === 'diverged') process.exitCode = 1;
    });
}

/** The configuration from --config (JSON text or a file), validated; the baseline otherwise. */
function readConfig(task: AnyTask, source: string | undefined): Config {
  if (source === undefined) return task.baseline;
  // JSON text (an object, or something else a person typed) or else the name of a file.
  const text = /^\s*[{["\d-]/.test(source) && !existsSync(source) ? source : readConfigFile(source);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new UsageError(
      `--config is not a JSON object (got ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}): give {"field": value, ...}`,
    );
  }
  const result = task.space.validate(input);
  if (!result.ok) {
    throw new UsageError(
      `invalid configuration for task ${task.name}:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}\n(lgt tasks ${task.name} lists every field)`,
    );
  }
  return result.config;
}

function readConfigFile(file: string): string {
  if (!existsSync(file)) {
    throw new UsageError(`--config must be a JSON object or a JSON file; no file named ${file}`);
  }
  return readFileSync(file, 'utf8');
}

function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(fraction * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

function metricsLine(metrics: Metrics): string {
  return Object.entries(metrics)
    .filter(([k]) => k !== 'loss')
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .concat(`loss ${formatNumber(metrics.loss)}`)
    .join('  ');
}

function formatTrial(task: AnyTask, result: TrialResult): string {
  const metric = result.metric;
  // An objective's metric is named as it reports it (val_loss), and it has no model to count.
  const objective = isObjectiveTask(task);
  const shown = objective ? metric.name : `val ${metric.name}`;
  const out: string[] = [];
  out.push(
    paint(
      'bold',
      `${task.name} · ${result.status} · seed ${result.seed} · backend ${result.backend}`,
    ),
  );
  out.push(`config ${JSON.stringify(result.config)}`);
  if (result.epochCap) out.push(paint('yellow', `trained ${describeEpochCap(result.epochCap)}`));
  out.push('');
  const rows = [
    [
      'epoch',
      'loss',
      'val_loss',
      objective ? metric.name : `val_${metric.name}`,
      'lr',
      'time',
      'samples/s',
    ],
  ];
  for (const r of sampleCurve(result.curve)) {
    rows.push([
      String(r.epoch),
      formatNumber(r.loss),
      formatNumber(r.validationLoss),
      formatNumber(r.validationMetric),
      formatNumber(r.learningRate, 3),
      formatSeconds(r.seconds),
      Math.round(r.samplesPerSecond).toLocaleString('en-US'),
    ]);
  }
  out.push(table(rows), '');
  out.push(
    `learning curve (${shown}): ${sparkline(result.curve.map((r) => orNaN(r.validationMetric)))}`,
  );
  const best = metric.direction === 'maximize' ? 'higher' : 'lower';
  out.push(
    paint('bold', `validation: ${metricsLine(result.validation)}`) +
      `  (${metric.name}: ${best} is better${objective ? '' : `; weights of epoch ${result.reportedEpoch}${result.earlyStopped ? ', early stopped' : ''}`})`,
  );
  if (result.test) out.push(`test: ${metricsLine(result.test)}`);
  out.push(
    paint(
      'dim',
      objective
        ? `${result.curve.length} epochs in ${formatSeconds(result.seconds)}`
        : `${result.curve.length} epochs in ${formatSeconds(result.seconds)} (${Math.round(result.samplesPerSecond).toLocaleString('en-US')} samples/s), ${result.parameterCount.toLocaleString('en-US')} parameters`,
    ),
  );
  if (result.status === 'diverged') {
    out.push(
      paint(
        'red',
        'the training loss or the validation metric became NaN or infinite (no test score is given for it): try a lower learningRate, scaling the features, or another targetTransform',
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** At most ~20 rows of a long curve: the first, every k-th, and the last epoch. */
function sampleCurve(curve: EpochRecord[]): EpochRecord[] {
  if (curve.length <= 20) return curve;
  const step = Math.ceil(curve.length / 20);
  return curve.filter((r, i) => i === 0 || i === curve.length - 1 || r.epoch % step === 0);
}
