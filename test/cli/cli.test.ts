import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { REPO_ROOT, SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';

const env = { LGT_DATA_DIR: SHARED_DATASETS };

describe('lgt tasks', () => {
  it('--json gives every task with a machine-readable search space', async () => {
    const { code, stdout } = await runCli(['tasks', '--json']);
    expect(code).toBe(0);
    const tasks = JSON.parse(stdout) as {
      name: string;
      kind: string;
      metric: { name: string };
      space: Record<string, unknown>[];
      baseline: Record<string, unknown>;
    }[];
    expect(tasks.map((t) => t.name)).toEqual([
      'iris',
      'wine-quality',
      'wine-adapter',
      'water-potability',
      'california-housing',
      'fashion-mnist',
      'mnist',
      'cifar10',
      'bench:branin',
      'bench:hartmann6',
      'bench:rosenbrock10',
      'bench:hartmann6-noisy',
      'bench:mixed',
    ]);
    // A benchmark function is an objective, with its space and conditions like any task's.
    const mixed = tasks.find((t) => t.name === 'bench:mixed')!;
    expect(mixed).toMatchObject({ kind: 'objective', metric: { name: 'value' } });
    expect(mixed.space.find((p) => p['name'] === 'bx1')).toMatchObject({
      when: { param: 'family', oneOf: ['branin'] },
    });
    const wine = tasks.find((t) => t.name === 'wine-quality')!;
    expect(wine.metric.name).toBe('mae');
    const byName = Object.fromEntries(wine.space.map((p) => [p['name'], p]));
    expect(byName['learningRate']).toMatchObject({
      kind: 'float',
      low: 1e-5,
      high: 1,
      log: true,
      default: 0.001,
      area: 'training',
    });
    expect(byName['units3']).toMatchObject({
      kind: 'int',
      log: true,
      when: { param: 'hiddenLayers', atLeast: 3 },
    });
    expect(byName['optimizer']).toMatchObject({
      kind: 'choice',
      choices: ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'],
    });
    expect(byName['targetTransform']).toMatchObject({ area: 'features' });
    // Every model task's space covers the four areas (objectives such as the benchmark
    // functions and wine-adapter need not).
    for (const task of tasks.filter((t) => t.kind !== 'objective')) {
      const areas = new Set(task.space.map((p) => p['area']));
      expect([...areas].sort()).toEqual(['architecture', 'features', 'regularization', 'training']);
    }
  });

  it('lists the tasks for people, and shows one in full', async () => {
    const list = await runCli(['tasks']);
    expect(list.stdout).toMatch(/california-housing\s+regression\s+mae \(lower is better\)/);
    const one = await runCli(['tasks', 'iris']);
    expect(one.stdout).toContain('Classify iris flowers into three species');
    expect(one.stdout).toContain(
      'units2: an integer in 2..512 (log scale); strategies search 8..512; default 64 (when hiddenLayers >= 2)',
    );
    expect(one.stdout).toContain('untuned baseline');
  });
});

describe('lgt trial', () => {
  it('trains iris to at least 0.9 validation accuracy and prints JSON, without the test score', async () => {
    sharedDataset('iris.csv');
    const { code, stdout } = await runCli(
      ['trial', '--task', 'iris', '--json', '--config', '{"learningRate":0.01,"epochs":60}'],
      env,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.task).toBe('iris');
    expect(result.metric.value).toBeGreaterThanOrEqual(0.9);
    expect(result.curve).toHaveLength(60);
    expect(result).not.toHaveProperty('test');
  });

  it('prints the learning curve and validation metrics for people; the test metric only with --test', async () => {
    const plain = await runCli(['trial', '--task', 'wine-quality', '--epochs', '3'], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/validation: mae [\d.]+ {2}rmse [\d.]+ {2}r2 -?[\d.]+/);
    expect(plain.stdout).toContain('learning curve (val mae)');
    expect(plain.stdout).not.toContain('test:');
    expect(plain.stderr).toMatch(/epoch 3\/3/);
    const withTest = await runCli(
      ['trial', '--task', 'wine-quality', '--epochs', '3', '--test'],
      env,
    );
    expect(withTest.stdout).toMatch(/test: mae [\d.]+/);
  });

  it('refuses an invalid configuration before training, naming each field and its range', async () => {
    const { code, stderr } = await runCli(
      [
        'trial',
        '--task',
        'iris',
        '--config',
        '{"learningRate":5,"optimizer":"adamw","hiddenLayer":2}',
      ],
      env,
    );
    expect(code).toBe(2);
    expect(stderr).toContain('learningRate: got 5, allowed a number in 1e-5..1 (log scale)');
    expect(stderr).toContain(
      'optimizer: got "adamw", allowed one of "sgd", "momentum", "adam", "rmsprop", "adagrad"',
    );
    expect(stderr).toContain('hiddenLayer: unknown field (did you mean hiddenLayers?)');
    expect(stderr).not.toMatch(/loading data|epoch \d+\//);
    const json = await runCli(['trial', '--task', 'iris', '--config', '{learningRate: 1}'], env);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--config is not valid JSON');
  });

  it('explains unknown tasks, bad numbers and missing data files', async () => {
    const unknown = await runCli(['trial', '--task', 'irsi'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown task "irsi"; built-in tasks: iris, wine-quality');
    expect(unknown.stderr).toContain('; did you mean iris?');
    const seed = await runCli(['trial', '--task', 'iris', '--seed', '-1'], env);
    expect(seed.code).not.toBe(0);
    expect(seed.stderr).toContain('--seed must be an integer >= 0, got "-1"');
    const empty = mkdtempSync(path.join(os.tmpdir(), 'lgt-empty-'));
    const missing = await runCli(['trial', '--task', 'iris'], {
      LGT_DATA_DIR: empty,
      LGT_OFFLINE: '1',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('data file iris.csv');
    expect(missing.stderr).toContain(`Searched: ${empty}`);
    expect(missing.stderr).toContain('set LGT_DATA_DIR');
  });

  it('builds a task from a CSV file (--csv, --target, --kind)', async () => {
    const file = sharedDataset('winequality-white.csv');
    const guessed = await runCli(
      [
        'trial',
        '--csv',
        file,
        '--target',
        'quality',
        '--epochs',
        '2',
        '--max-train',
        '1000',
        '--json',
      ],
      env,
    );
    expect(guessed.code).toBe(0);
    expect(JSON.parse(guessed.stdout).metric.name).toBe('accuracy'); // 7 whole-number grades: classes
    const regression = await runCli(
      [
        'trial',
        '--csv',
        file,
        '--target',
        'quality',
        '--kind',
        'regression',
        '--epochs',
        '2',
        '--json',
      ],
      env,
    );
    const result = JSON.parse(regression.stdout);
    expect(result.metric.name).toBe('mae');
    expect(result.validation.r2).toBeDefined();
    const noTarget = await runCli(['trial', '--csv', file], env);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('--csv needs --target <column>');
    const badTarget = await runCli(['trial', '--csv', file, '--target', 'qualty'], env);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('column "qualty" is not in');
    expect(badTarget.stderr).not.toContain('LGT_DEBUG');
    const noFile = await runCli(['trial', '--csv', 'no-such.csv', '--target', 'y'], env);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain(
      `--csv: the file ${path.resolve('no-such.csv')} does not exist`,
    );
  });

  it('loads a task module a person wrote (the README example), and explains a broken one', async () => {
    const example = await runCli(
      ['trial', '--task', './examples/petal-width-task.ts', '--json', '--config', '{"epochs":40}'],
      env,
    );
    expect(example.code).toBe(0);
    const result = JSON.parse(example.stdout);
    expect(result.task).toBe('petal-width');
    expect(result.validation.mae).toBeLessThan(0.3);
    const broken = await runCli(['trial', '--task', './test/fixtures/incomplete-task.ts'], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(
      'exports a task without: metric ({ name, direction }), space (a SearchSpace), load() (a function)',
    );
  });

  it('speaks one error format: commander mistakes, not-an-object configs, --csv without --target, expected failures', async () => {
    const unknown = await runCli(['trail', '--task', 'iris'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^lgt: unknown command 'trail'/);
    const option = await runCli(['trial', '--task', 'iris', '--epoch', '3'], env);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^lgt: unknown option '--epoch'/);
    const array = await runCli(['trial', '--task', 'iris', '--config', '[1,2]'], env);
    expect(array.code).toBe(2);
    expect(array.stderr).toContain('--config is not a JSON object (got an array)');
    const noTarget = await runCli(['run', '--csv', sharedDataset('iris.csv')], env);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toBe('lgt: --csv needs --target <column>: the column to predict\n');
    const noRedis = await runCli(['status', 'x', '--redis-url', 'redis://127.0.0.1:1'], env);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('no Redis answers at redis://127.0.0.1:1');
    expect(noRedis.stderr).not.toContain('LGT_DEBUG');
    const version = await runCli(['--version'], env);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version,
    );
  });

  it('lgt tasks --csv shows the inferred schema, the rows per split and the space before anything runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-tasks-csv-'));
    const file = path.join(dir, 'plants.csv');
    const rows = Array.from(
      { length: 120 },
      (_, i) =>
        `${i + 1},${(i % 7) + 0.5},${['red', 'blue'][i % 2]},${i % 10 === 0 ? 'NA' : i % 3}`,
    );
    writeFileSync(file, `row,height,colour,grade\n${rows.join('\n')}\n`);
    const shown = await runCli(['tasks', '--csv', file, '--target', 'grade'], env);
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain(
      'lgt: note: dropped 12 of 120 rows whose target "grade" is missing',
    );
    expect(shown.stderr).toContain('lgt: note: left out column "row"');
    expect(shown.stdout).toMatch(/height\s+numeric\s+0/);
    expect(shown.stdout).toMatch(/colour\s+categorical\s+0\s+2/);
    expect(shown.stdout).toContain('classes: 0, 1, 2');
    expect(shown.stdout).toMatch(
      /rows per split \(split seed 0\): \d+ training, \d+ validation, \d+ test/,
    );
    expect(shown.stdout).toContain('kind: classification; metric: accuracy (maximize)');
    expect(shown.stdout).toContain('learningRate');
    const json = await runCli(['tasks', '--csv', file, '--target', 'grade', '--json'], env);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.rows.train + parsed.rows.validation + parsed.rows.test).toBe(108);
    expect(parsed.columns.map((c: { name: string }) => c.name)).toEqual(['height', 'colour']);
  });
});
