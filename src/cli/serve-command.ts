import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { isLoopback } from '../server/api-auth.ts';
import { buildApiServer } from '../server/api-server.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { allowedDataDirs } from '../env/data-dirs.ts';
import { WorkerService } from '../worker/worker-service.ts';
import { addRedisOption, openCommandContext, parseInteger } from './cli-options.ts';
import { paint } from './terminal.ts';
import { UsageError } from './usage-error.ts';

interface ServeOptions {
  host: string;
  port: number;
  out: string;
  dataDir: string[];
  taskDir: string[];
  allowCommand: string[];
  allowedHost: string[];
  workers: number;
  redisUrl?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerServeCommand(program: Command): void {
  addRedisOption(
    program
      .command('serve')
      .description(
        'the HTTP API, live event streams, /metrics and the dashboard; `lgt worker` processes (or --workers) do the work',
      )
      .option(
        '--host <address>',
        'address to listen on (beyond loopback needs LGT_API_TOKEN)',
        '127.0.0.1',
      )
      .option('--port <n>', 'port to listen on', parseInteger('--port', 0), 8080)
      .option('--out <dir>', "where the server's campaigns write runs/<campaign>/ reports", 'runs')
      .option(
        '--data-dir <dir>',
        'a directory whose CSV files requests may name (repeatable; default LGT_DATA_DIR)',
        collect,
        [] as string[],
      )
      .option(
        '--task-dir <dir>',
        'a directory whose task modules requests may name (repeatable; none: modules refused)',
        collect,
        [] as string[],
      )
      .option(
        '--allow-command <command>',
        'a command line requests may name as their objective, word for word (repeatable; none: commands refused)',
        collect,
        [] as string[],
      )
      .option(
        '--allowed-host <name>',
        'a Host name the server answers to besides loopback and --host, e.g. its name behind a proxy (repeatable; default LGT_ALLOWED_HOSTS, comma-separated)',
        collect,
        [] as string[],
      )
      .option(
        '--workers <n>',
        'also run workers in this process with this many trial processes (0: none)',
        parseInteger('--workers', 0),
        0,
      ),
  ).action(async (opts: ServeOptions) => {
    const loopback = isLoopback(opts.host);
    let token = process.env['LGT_API_TOKEN'] ?? '';
    if (token && token.length < 16) {
      throw new UsageError(
        'LGT_API_TOKEN is too short: use at least 16 random characters (e.g. openssl rand -hex 24)',
      );
    }
    if (!token && !loopback) {
      throw new UsageError(
        `lgt serve --host ${opts.host} is reachable from other machines: set LGT_API_TOKEN (e.g. export LGT_API_TOKEN=$(openssl rand -hex 24)) so only those with it can use the API`,
      );
    }
    const runsDir = path.resolve(opts.out);
    let tokenNote = 'state changes need Authorization: Bearer $LGT_API_TOKEN';
    if (!token) {
      // On loopback without a token: one made for this run, in a file only this user can read.
      token = randomBytes(24).toString('hex');
      mkdirSync(runsDir, { recursive: true });
      const file = path.join(runsDir, '.api-token');
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      tokenNote = `state changes need the token in ${file} (set LGT_API_TOKEN to choose it)`;
    }
    // The CSV files requests may name, and what its own workers read: --data-dir, LGT_DATA_DIR.
    const dataDirs = allowedDataDirs(opts.dataDir);
    const taskDirs = opts.taskDir.map((d) => path.resolve(d));
    const ctx = await openCommandContext({
      ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
      allowEmbedded: loopback,
    });
    let workers: WorkerService | null = null;
    try {
      if (opts.workers > 0) {
        workers = await WorkerService.start({
          redisUrl: ctx.redis.url,
          concurrency: opts.workers,
          runsDir,
          ...(taskDirs.length ? { taskDirs } : {}),
          ...(opts.allowCommand.length ? { commands: opts.allowCommand } : {}),
          ...(dataDirs.length ? { dataDirs } : {}),
          log: (m) => process.stderr.write(`${m}\n`),
        });
      }
      const app = await buildApiServer({
        ctx,
        token,
        host: opts.host,
        runsDir,
        dataDirs,
        taskDirs,
        commands: opts.allowCommand,
        allowedHosts: [
          ...opts.allowedHost,
          ...(process.env['LGT_ALLOWED_HOSTS'] ?? '')
            .split(',')
            .map((h) => h.trim())
            .filter(Boolean),
        ],
        logger: true,
      });
      const address = await app.listen({ host: opts.host, port: opts.port });
      process.stderr.write(
        `${paint('bold', `lgt serve: ${address}/`, process.stderr)} (dashboard; API under /api, OpenAPI at /openapi.json, /metrics, /healthz) on ${redactSecrets(ctx.redis.url)}\n` +
          `${paint('dim', `${tokenNote}; reports in ${runsDir}; ${workers ? `${opts.workers} local trial processes` : 'no local workers: start `lgt worker` on the same Redis'}`, process.stderr)}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
    } finally {
      await workers?.close(true);
      await ctx.close();
    }
  });
}
