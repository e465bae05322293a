import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
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
 * A Redis Cluster is named by one of its nodes: redis-cluster://[user:password@]host:port (or
 * rediss-cluster:// for TLS); the client learns the other nodes from it.
 */
export function isClusterUrl(url: string): boolean {
  return /^rediss?-cluster:$/.test(new URL(url).protocol);
}

/**
 * Connection options for long-lived clients (workers, drivers, stores): never give up on a
 * command while Redis restarts (BullMQ requires maxRetriesPerRequest null for workers), and keep
 * trying to reconnect with a capped backoff. For a cluster: the options of each node's client.
 */
export function connectionOptions(url: string): BullRedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.protocol === 'rediss:' || u.protocol === 'rediss-cluster:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
}

/**
 * A client that reconnects on its own. Connection errors are reported at most every 10 s (not
 * once per retry) on stderr, or to `onError`.
 */
/** A connection to one Redis or to a Redis Cluster: lgt uses the commands both answer. */
export type RedisClient = Redis | Cluster;

export function createRedis(url: string, onError?: (message: string) => void): RedisClient {
  registerUrlSecrets(url);
  // A Cluster client answers the commands lgt uses as a Redis client does (the store keeps each
  // multi-key step within one campaign's hash slot): both are a Redis.
  const redis: RedisClient = isClusterUrl(url)
    ? new Cluster([seedNode(url)], clusterOptions(url))
    : new Redis(connectionOptions(url));
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

function seedNode(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

function clusterOptions(url: string): ClusterOptions {
  const { host: _host, port: _port, db: _db, retryStrategy, ...node } = connectionOptions(url);
  return { redisOptions: node, clusterRetryStrategy: retryStrategy };
}

/**
 * A second connection like `redis` (a cluster client for a cluster), named `name` so that
 * CLIENT LIST says whose it is: for blocking reads, which hold their connection.
 */
export function duplicateRedis(redis: RedisClient, name: string): RedisClient {
  if (redis instanceof Cluster)
    return redis.duplicate([], {
      redisOptions: { ...redis.options.redisOptions, connectionName: name },
    });
  return redis.duplicate({ connectionName: name });
}

/**
 * What BullMQ's queues and workers connect with: options for one Redis (each BullMQ object
 * opens its own connections), a shared cluster client for a cluster (BullMQ takes a Cluster only
 * as a client). `close()` lets go of what was opened here; BullMQ leaves shared clients open.
 */
export function bullConnection(url: string): {
  connection: BullRedisOptions | RedisClient;
  close(): void;
} {
  if (!isClusterUrl(url)) return { connection: connectionOptions(url), close: () => {} };
  const cluster = createRedis(url);
  return { connection: cluster, close: () => cluster.disconnect() };
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
      !u.protocol.startsWith('rediss') &&
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
