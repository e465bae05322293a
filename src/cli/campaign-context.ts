import { InvalidArgumentError, type Command } from 'commander';
import type { Redis } from 'ioredis';
import { CampaignStore } from '../campaign/campaign-store.ts';
import { openQueues, queuePrefix, type LgtQueues } from '../queue/lgt-queues.ts';
import { createRedis, resolveRedis, type ResolvedRedis } from '../queue/redis-connection.ts';
import { paint } from './terminal.ts';

export function addRedisOption(command: Command): Command {
  return command.option(
    '--redis-url <url>',
    `Redis to use (default REDIS_URL, else redis://127.0.0.1:6379)`,
  );
}

/** What the campaign commands share: a Redis, the store, the queues, a blocking connection. */
export interface CampaignContext {
  redis: ResolvedRedis;
  store: CampaignStore;
  queues: LgtQueues;
  blocking: Redis;
  close(): Promise<void>;
}

export async function openCampaignContext(opts: {
  redisUrl?: string;
  allowEmbedded?: boolean;
}): Promise<CampaignContext> {
  const redis = await resolveRedis({
    ...(opts.redisUrl ? { url: opts.redisUrl } : {}),
    allowEmbedded: opts.allowEmbedded ?? false,
    say: (m) => process.stderr.write(`${paint('yellow', m, process.stderr)}\n`),
  });
  const connection = createRedis(redis.url);
  const blocking = createRedis(redis.url);
  const queues = openQueues(redis.url);
  return {
    redis,
    store: new CampaignStore(connection, queuePrefix()),
    queues,
    blocking,
    close: async () => {
      await queues.close();
      await Promise.all([connection, blocking].map((c) => c.quit().catch(() => c.disconnect())));
      await redis.embedded?.stop();
    },
  };
}

/** "90", "90s", "10m", "1h30m" -> seconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new InvalidArgumentError(`a duration such as 90s, 10m or 1h30m, got "${value}"`);
  }
  return parts.reduce(
    (s, p) => s + Number(p[1]) * { h: 3600, m: 60, s: 1 }[p[2] as 'h' | 'm' | 's'],
    0,
  );
}
