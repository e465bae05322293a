import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { QUEUE_NAMES, type QueueName } from '../queue/lgt-queues.ts';
import { resolveRedis } from '../queue/redis-connection.ts';
import { WorkerService } from '../worker/worker-service.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { addRedisOption, parseInteger } from './cli-options.ts';

function parseQueues(value: string): QueueName[] {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (unknown.length)
    throw new InvalidArgumentError(
      `unknown queue ${unknown.join(', ')}; the queues are ${QUEUE_NAMES.join(', ')}`,
    );
  return names as QueueName[];
}

/** How long a worker told twice to stop may take to hand its jobs back before it just exits. */
const FORCED_EXIT_MS = 5_000;

export function registerWorkerCommand(program: Command): void {
  addRedisOption(
    program
      .command('worker')
      .description(
        'serve the queues until stopped: campaign drivers and trials (each trial in its own process)',
      )
      .option(
        '--concurrency <n>',
        'trials trained at once (default: one per CPU core)',
        parseInteger('--concurrency', 1),
      )
      .option(
        '--queues <names>',
        `comma-separated queues to serve (${QUEUE_NAMES.join(', ')}; agents only with LLM settings)`,
        parseQueues,
        [...QUEUE_NAMES] as QueueName[],
      )
      .option(
        '--runs-dir <dir>',
        'where reports and best models go (default LGT_RUNS_DIR, else ./runs); a campaign asking for a directory outside it is written here',
      )
      .option(
        '--task-dir <dir>',
        'also load task modules from this directory (repeatable; the working directory is always allowed)',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(
        '--data-dir <dir>',
        'read data files from this directory (repeatable; besides LGT_DATA_DIR): a campaign cannot make the worker read outside these',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(
        '--allow-command <command>',
        'let trials run this command line as an objective, exactly as lgt run --command gave it (repeatable; none by default)',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      ),
  ).action(
    async (opts: {
      concurrency?: number;
      queues: QueueName[];
      redisUrl?: string;
      runsDir?: string;
      taskDir: string[];
      dataDir: string[];
      allowCommand: string[];
    }) => {
      const log = pino({ name: 'lgt-worker', level: process.env['LGT_LOG_LEVEL'] ?? 'info' });
      const redis = await resolveRedis({
        ...(opts.redisUrl ? { url: opts.redisUrl } : {}),
        allowEmbedded: false,
      });
      const service = await WorkerService.start({
        redisUrl: redis.url,
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        queues: opts.queues,
        ...(opts.runsDir ? { runsDir: opts.runsDir } : {}),
        ...(opts.taskDir.length ? { taskDirs: opts.taskDir } : {}),
        ...(opts.allowCommand.length ? { commands: opts.allowCommand } : {}),
        ...(opts.dataDir.length ? { dataDirs: opts.dataDir } : {}),
        log: (message) => log.warn(message),
      });
      log.info(
        {
          redis: redactSecrets(redis.url),
          queues: opts.queues,
          concurrency: service.concurrency,
          runsDir: service.runsDir,
          host: os.hostname(),
        },
        'worker ready',
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        let forcing = false;
        const stop = (signal: string) => {
          if (forcing) {
            log.warn({ signal }, 'stopping now');
            process.exit(130);
          }
          if (stopping) {
            forcing = true;
            log.warn({ signal }, 'handing running trials back to the queue now');
            // Whatever the worker is waiting on (Redis away, a trial that does not end), the
            // second signal ends it within seconds: the queue retries what it held.
            setTimeout(() => {
              log.warn(`still closing after ${FORCED_EXIT_MS / 1000} s: exiting`);
              process.exit(130);
            }, FORCED_EXIT_MS).unref();
            void service.close(true).then(resolve);
            return;
          }
          stopping = true;
          log.info(
            { signal },
            'finishing running trials, then stopping (send the signal again to hand them back now)',
          );
          void service.close().then(resolve);
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
      log.info('worker stopped');
    },
  );
}
