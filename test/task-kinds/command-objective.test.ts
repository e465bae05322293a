import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/queue/redis-server-process.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { SHARED_DATASETS } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useWorkerProcesses } from '../helpers/worker-process-harness.ts';

/**
 * Commands in another language as objectives, through the real CLI, queue, workers and Redis:
 * the Python example tuned with pruning, commands that fail in each way, a worker killed with -9
 * in the middle of one, a malformed space file, and a worker that was not allowed the command.
 */
const h = useWorkerProcesses(() => startRedisServer());
const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-command-'));
const env = { LGT_DATA_DIR: SHARED_DATASETS, ...{ LGT_LOCK_MS: '3000', LGT_STALLED_MS: '1000' } };

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const PYTHON_COMMAND =
  'python3 examples/python/train.py --lr {lr} --hidden {hidden} --epochs {epochs} --seed {seed}';

/** The campaign id `lgt run` printed in its summary. */
function campaignIdOf(output: string): string {
  const id = /campaign (\S+): (completed|failed|cancelled)/.exec(output)?.[1];
  if (!id) throw new Error(`no campaign id in:\n${output}`);
  return id;
}

/**
 * A script that would run for minutes, reporting an epoch every 0.2 s, with a `sleep` grandchild
 * (the whole process group must go, not only the script); it writes both pids to `pids`.
 */
function longScript(name: string, opts: { ignoreTerm: boolean }) {
  const pids = path.join(dir, `${name}-pids`);
  const script = write(
    `${name}.py`,
    [
      'import json, os, signal, subprocess, time',
      ...(opts.ignoreTerm ? ['signal.signal(signal.SIGTERM, signal.SIG_IGN)'] : []),
      'child = subprocess.Popen(["sleep", "300"])',
      `with open(${JSON.stringify(pids)}, "w") as f: f.write(f"{os.getpid()} {child.pid}")`,
      'for epoch in range(1, 1000):',
      '    print(json.dumps({"epoch": epoch, "score": epoch}))',
      '    time.sleep(0.2)',
    ].join('\n'),
  );
  const space = write(`${name}.yaml`, 'params:\n  x: { type: float, low: 0, high: 1 }\n');
  return { script, pids, space };
}

/** The arguments of a command objective that prints "score", higher is better. */
function scoreCommand(command: string, space: string): string[] {
  return ['--command', command, '--space', space, '--metric', 'score', '--direction', 'maximize'];
}

/** Whether a process is still there (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('command objectives', () => {
  it('tunes the Python example; the median pruner stops trials mid-run and lgt logs shows it', async () => {
    const out = path.join(dir, 'runs-python');
    const run = await runCli(
      [
        'run',
        '--command',
        PYTHON_COMMAND,
        '--space',
        'examples/python/space.yaml',
        '--strategy',
        'random',
        '--trials',
        '12',
        '--parallel',
        '1',
        '--pruner',
        'median',
        '--seed',
        '3',
        '--redis-url',
        h.server.url,
        '--out',
        out,
      ],
      env,
    );
    expect(run.stderr).not.toMatch(/failed:/);
    expect(run.code).toBe(0);
    const id = campaignIdOf(run.stdout + run.stderr);
    const trials = await h.store.listTrials(id);
    expect(trials).toHaveLength(12);
    const pruned = trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    // Stopped in the middle: fewer epochs than its configuration asked for.
    for (const t of pruned)
      expect(t.epochsRun!, JSON.stringify(t)).toBeLessThan(t.config['epochs'] as number);
    const completed = trials.filter((t) => t.state === 'completed');
    for (const t of completed) expect(t.epochsRun).toBe(t.config['epochs']);
    const logs = await runCli(['logs', id, '--redis-url', h.server.url], env);
    expect(logs.stdout).toMatch(
      /#\d+ pruned at epoch \d+: val_loss [\d.]+, median of earlier trials/,
    );
    // The final run scored the test rows the script printed as test_loss (LGT_FINAL=1).
    const report = JSON.parse(readFileSync(path.join(out, id, 'report.json'), 'utf8'));
    expect(report.best.final.test.val_loss).toBeGreaterThan(0);
    expect(report.best.final.validation).not.toHaveProperty('test_accuracy');
  }, 240_000);

  it('a command that prints garbage, exits non-zero or prints no metric fails its trial with a clear message; the campaign goes on', async () => {
    const script = write(
      'faulty.py',
      [
        'import json, os, sys',
        'mode = json.loads(os.environ["LGT_CONFIG"])["mode"]',
        'if mode == "ok":',
        '    print(json.dumps({"epoch": 1, "score": 0.5}))',
        'elif mode == "garbage":',
        '    print("{not json at all")',
        '    print("hello from the script")',
        'elif mode == "crash":',
        '    print("Traceback (most recent call last):", file=sys.stderr)',
        '    print("ValueError: boom", file=sys.stderr)',
        '    sys.exit(3)',
      ].join('\n'),
    );
    const space = write(
      'faulty.yaml',
      'params:\n  mode: { type: choice, choices: [ok, garbage, crash, silent] }\n',
    );
    const run = await runCli(
      [
        'run',
        ...scoreCommand(`python3 ${script}`, space),
        '--strategy',
        'grid',
        '--trials',
        '4',
        '--redis-url',
        h.server.url,
        '--out',
        path.join(dir, 'runs-faulty'),
      ],
      env,
    );
    const id = campaignIdOf(run.stdout + run.stderr);
    const trials = await h.store.listTrials(id);
    const byMode = Object.fromEntries(trials.map((t) => [t.config['mode'], t]));
    expect(byMode['ok']).toMatchObject({ state: 'completed', value: 0.5 });
    expect(byMode['garbage']!.state).toBe('failed');
    expect(byMode['garbage']!.error).toMatch(
      /printed no JSON line with "score".*lines that looked like JSON but were not: \{not json at all.*hello from the script/s,
    );
    expect(byMode['crash']!.state).toBe('failed');
    expect(byMode['crash']!.error).toMatch(
      /exited with code 3; the end of its stderr:\n.*ValueError: boom/s,
    );
    expect(byMode['silent']!.state).toBe('failed');
    expect(byMode['silent']!.error).toMatch(
      /printed no JSON line with "score".*printed nothing on stdout/s,
    );
    // The campaign went on to its end, with the one good trial as its best.
    expect(run.code).toBe(0);
    expect((await h.store.getCampaign(id))?.status).toBe('completed');
  }, 240_000);

  it('a worker killed with -9 during a command trial leaves no process of that trial behind', async () => {
    const { script, pids, space } = longScript('long', { ignoreTerm: false });
    const command = `python3 ${script}`;
    const worker = h.worker(['--allow-command', command, '--concurrency', '1'], env);
    const created = await runCli(
      [
        'run',
        ...scoreCommand(command, space),
        '--trials',
        '1',
        '--detach',
        '--redis-url',
        h.server.url,
        '--out',
        path.join(dir, 'runs-long'),
      ],
      env,
    );
    expect(created.code).toBe(0);
    await waitFor('the command to start', async () => existsSync(pids), 60_000);
    const [script_, grandchild] = readFileSync(pids, 'utf8').split(' ').map(Number);
    expect(alive(script_!)).toBe(true);
    expect(alive(grandchild!)).toBe(true);
    await worker.kill('SIGKILL');
    await waitFor(
      'the command and its child to end',
      async () => !alive(script_!) && !alive(grandchild!),
      15_000,
    );
  }, 120_000);

  it('past --trial-timeout, a command that ignores TERM gets KILL, with whatever it started', async () => {
    const { script, pids, space } = longScript('stubborn', { ignoreTerm: true });
    const run = await runCli(
      [
        'run',
        ...scoreCommand(`python3 ${script}`, space),
        '--trials',
        '1',
        '--trial-timeout',
        '3s',
        '--redis-url',
        h.server.url,
        '--out',
        path.join(dir, 'runs-stubborn'),
      ],
      { ...env, LGT_COMMAND_KILL_GRACE_MS: '500' },
    );
    const id = campaignIdOf(run.stdout + run.stderr);
    const [trial] = await h.store.listTrials(id);
    expect(trial).toMatchObject({ state: 'failed', timedOut: true });
    const [script_, grandchild] = readFileSync(pids, 'utf8').split(' ').map(Number);
    await waitFor(
      'the command and its child to end',
      async () => !alive(script_!) && !alive(grandchild!),
      10_000,
    );
  }, 120_000);

  it('refuses a malformed space file or an unknown placeholder before anything starts, naming the field', async () => {
    const bad = write(
      'bad.yaml',
      'params:\n  lr: { type: float, low: 1, high: 0.1 }\n  act: { type: choice, choices: [] }\n',
    );
    const run = await runCli(
      [
        'run',
        '--command',
        'python3 x.py {lr}',
        '--space',
        bad,
        '--metric',
        'loss',
        '--direction',
        'minimize',
        '--redis-url',
        h.server.url,
      ],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(bad);
    expect(run.stderr).toMatch(/params\.lr\.low: must be below high \(0\.1\)/);
    expect(run.stderr).toMatch(/params\.act\.choices: must list at least one choice/);
    const typo = write(
      'ok.yaml',
      'metric: loss\ndirection: minimize\nparams:\n  lr: { type: float, low: 0.1, high: 1 }\n',
    );
    const unknown = await runCli(
      [
        'run',
        '--command',
        'python3 x.py {learning_rate}',
        '--space',
        typo,
        '--redis-url',
        h.server.url,
      ],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /\{learning_rate\}, which the space does not define \(parameters: lr/,
    );
    const noMetric = await runCli(
      [
        'run',
        '--command',
        'python3 x.py',
        '--space',
        bad.replace('bad', 'missing'),
        '--redis-url',
        h.server.url,
      ],
      env,
    );
    expect(noMetric.code).toBe(2);
    expect(noMetric.stderr).toMatch(/missing\.yaml: cannot be read/);
    // Nothing was created.
    expect(await h.store.listCampaigns()).toEqual([]);
  }, 60_000);

  it('two kinds of workers on one Redis: one that may not run a command leaves it to one that may; lgt run starts its own when none may', async () => {
    const script = write('score.py', 'import json\nprint(json.dumps({"score": 1.0}))\n');
    const space = write('allow.yaml', 'params:\n  x: { type: float, low: 0, high: 1 }\n');
    const command = `python3 ${script} {x}`;
    const plain = h.worker(['--concurrency', '1'], env);
    await waitFor('the plain worker', async () => plain.output().includes('worker ready'));
    const created = await runCli(
      [
        'run',
        ...scoreCommand(command, space),
        '--trials',
        '2',
        '--detach',
        '--redis-url',
        h.server.url,
      ],
      env,
    );
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    // The plain worker takes the driver's job, may not run the command, and puts it back.
    await waitFor('the plain worker to leave the campaign', async () => {
      const job = await h.queues.campaign.getJob(id);
      return (await job?.getState()) === 'delayed';
    });
    const status = await runCli(['status', id, '--redis-url', h.server.url], env);
    expect(status.stdout).toContain(
      `no worker that may run the command ${command} is connected (1 connected may not, and leave it alone): start one with \`lgt worker --allow-command '${command}'\``,
    );
    expect((await h.store.requireCampaign(id)).status).toBe('queued');
    await waitFor('the plain worker to say why, once', async () =>
      plain.output().includes(`campaign ${id} left for a worker that may run it: the command`),
    );

    const allowed = h.worker(['--concurrency', '1', '--allow-command', command], env);
    const done = await waitFor(
      'the allowed worker to finish the campaign',
      async () => {
        const c = await h.store.getCampaign(id);
        return c?.status === 'completed' || c?.status === 'failed' ? c : null;
      },
      60_000,
    );
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('completed');
    const trials = await h.store.listTrials(id);
    expect(trials.map((t) => [t.state, t.attempts])).toEqual([
      ['completed', 1],
      ['completed', 1],
    ]);
    // Nothing was failed by the worker that may not run it, and it said so once.
    expect(plain.output()).not.toMatch(/failed/);
    expect(plain.output().split(`campaign ${id} left for`)).toHaveLength(2);

    // The README's case: `lgt run --command` beside workers that may not run it starts its own.
    await allowed.kill();
    const run = await runCli(
      ['run', ...scoreCommand(command, space), '--trials', '2', '--redis-url', h.server.url],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `started local workers (2 trial processes), since none of the 1 connected may run the command ${command}`,
    );
    expect(run.stdout + run.stderr).toMatch(/campaign \S+: completed/);
    expect(plain.output()).not.toMatch(/failed/);
  }, 120_000);
});
