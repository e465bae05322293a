import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import path from 'node:path';
import os from 'node:os';
import { redactSecrets, registerUrlSecrets } from '../secrets/redact.ts';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import {
  answersPing,
  redisServerBinary,
  startRedisServer,
  type RedisServerProcess,
} from './redis-server-process.ts';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Connection options for long-lived clients (workers, drivers, stores): never give up on a
 * command while Redis restarts (BullMQ requires maxRetriesPerRequest null for workers), and keep
 * trying to reconnect with a capped backoff.
 */
export function connectionOptions(url: string): BullRedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
}

/**
 * A client that reconnects on its own. Connection errors are reported at most every 10 s (not
 * once per retry) on stderr, or to `onError`.
 */
export function createRedis(url: string, onError?: (message: string) => void): Redis {
  registerUrlSecrets(url);
  const redis = new Redis(connectionOptions(url));
  let lastReport = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastReport < 10_000) return;
    lastReport = Date.now();
    const message = redactSecrets(`Redis at ${url}: ${error.message} (reconnecting)`);
    if (onError) onError(message);
    else process.stderr.write(`lgt: ${message}\n`);
  });
  return redis;
}

export interface ResolvedRedis {
  url: string;
  /** Set when lgt started its own redis-server for this process. */
  embedded?: RedisServerProcess;
}

/**
 * The Redis to use: --redis-url, else REDIS_URL, else the default local one. When nothing
 * answers at the default and no URL was given, starts an embedded redis-server (persisting to
 * the lgt data directory, so campaigns survive) if the binary is installed, and says so.
 */
export async function resolveRedis(opts: {
  url?: string;
  allowEmbedded?: boolean;
  say?: (message: string) => void;
  /** Where to look when no URL is given (tests point it at a closed port). */
  defaultUrl?: string;
}): Promise<ResolvedRedis> {
  const given = opts.url ?? process.env['REDIS_URL'];
  const url = given ?? opts.defaultUrl ?? DEFAULT_REDIS_URL;
  // A password in the URL is a secret: kept out of everything written from here on.
  registerUrlSecrets(url);
  const u = new URL(url);
  if (given) {
    // A TLS Redis does not answer a plain-text PING: let the client find out.
    if (
      u.protocol !== 'rediss:' &&
      !(await answersPing(Number(u.port || 6379), u.hostname, 2000))
    ) {
      throw new ExpectedFailure(
        redactSecrets(
          `no Redis answers at ${url}; is it running, and is the URL right? (docker compose up -d redis, or apt-get install redis-server)`,
        ),
      );
    }
    return { url };
  }
  if (await answersPing(Number(u.port || 6379), u.hostname)) return { url };
  const binary = redisServerBinary();
  if (!opts.allowEmbedded || !binary) {
    throw new ExpectedFailure(
      `no Redis answers at ${url}. Start one (docker compose up -d redis, or apt-get install redis-server), or point REDIS_URL at yours`,
    );
  }
  const dir = path.join(
    process.env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state'),
    'lgt',
    'redis',
  );
  const embedded = await startRedisServer({ binary, persistence: { dir } });
  opts.say?.(
    `no Redis at ${url}: started redis-server on ${embedded.url} (data in ${dir}); it stops when this command ends`,
  );
  return { url: embedded.url, embedded };
}
