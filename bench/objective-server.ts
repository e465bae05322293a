/**
 * lgt's objectives for another process: one JSON request per line on stdin, one JSON answer per
 * line on stdout, in order. What bench/optuna_side_by_side.py evaluates the LCBench surrogate
 * with (one process, one inference session), and checks its own copies of the benchmark
 * functions against.
 *
 *   {"task": "bench:lcbench/3945", "config": {...}, "seed": 0, "number": 1}
 *   -> {"value": 93.1, "metrics": {...}}   or   {"error": "..."}
 *
 *   npx tsx bench/objective-server.ts   (LGT_BENCHMARKS_DIR: where yahpo/lcbench/ is)
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isObjectiveTask, type ObjectiveMetrics } from '../src/task-kinds/objective.ts';
import { findBuiltInTask } from '../tasks/index.ts';

const benchmarksDir =
  process.env['LGT_BENCHMARKS_DIR'] ?? path.resolve(import.meta.dirname, '../../shared/benchmarks');

interface Request {
  task: string;
  config: Record<string, number | string | boolean>;
  seed?: number;
  number?: number;
}

async function answer(line: string): Promise<unknown> {
  const request = JSON.parse(line) as Request;
  const task = findBuiltInTask(request.task);
  if (!task || !isObjectiveTask(task)) return { error: `${request.task} is not an objective` };
  const checked = task.space.validate(request.config);
  if (!checked.ok) return { error: checked.errors.map((e) => e.message).join('; ') };
  let last: ObjectiveMetrics = {};
  const returned = await task.objective(checked.config, {
    number: request.number ?? 0,
    seed: request.seed ?? 0,
    signal: new AbortController().signal,
    final: false,
    dataDirs: [benchmarksDir],
    ...(task.epochs ? { epochs: task.epochs } : {}),
    report: async (_epoch, metrics) => {
      last = metrics;
    },
    shouldStop: () => false,
  });
  const metrics =
    typeof returned === 'number'
      ? { [task.metric.name]: returned }
      : ((returned as ObjectiveMetrics | undefined) ?? last);
  return { value: metrics[task.metric.name], metrics };
}

const lines = createInterface({ input: process.stdin });
// Answers go out in the order the requests came, each as soon as it and those before it are done.
let queue: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  const pending = answer(line).catch((error: unknown) => ({ error: (error as Error).message }));
  queue = queue.then(async () => {
    process.stdout.write(`${JSON.stringify(await pending)}\n`);
  });
});
