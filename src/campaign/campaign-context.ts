import type { RedisClient } from '../queue/redis-connection.ts';
import { openQueues, queuePrefix, type LgtQueues } from '../queue/lgt-queues.ts';
import { createRedis, resolveRedis, type ResolvedRedis } from '../queue/redis-connection.ts';
import { CampaignStore } from './campaign-store.ts';

/**
 * What anything that starts, watches or controls campaigns needs (the command line, a script, a
 * service): a Redis, the store, the queues and a connection for blocking reads of event logs.
 */
export interface CampaignContext {
  redis: ResolvedRedis;
  store: CampaignStore;
  queues: LgtQueues;
  /** The store's connection, for reads beside it (which workers are connected, see waitingFor). */
  connection: RedisClient;
  /** For blocking reads (XREAD BLOCK): a connection of its own, so it never stalls the store's. */
  blocking: RedisClient;
  close(): Promise<void>;
}

export interface CampaignContextOptions {
  /** Default: REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Start a private redis-server when none answers (lgt run on a fresh machine). */
  allowEmbedded?: boolean;
  /** Told what was decided about Redis (e.g. that a private one was started). */
  say?: (message: string) => void;
}

export async function openCampaignContext(
  opts: CampaignContextOptions = {},
): Promise<CampaignContext> {
  const redis = await resolveRedis({
    ...(opts.redisUrl ? { url: opts.redisUrl } : {}),
    allowEmbedded: opts.allowEmbedded ?? false,
    say: opts.say ?? (() => {}),
  });
  const connection = createRedis(redis.url);
  const blocking = createRedis(redis.url);
  const queues = openQueues(redis.url);
  return {
    redis,
    store: new CampaignStore(connection, queuePrefix()),
    queues,
    connection,
    blocking,
    close: async () => {
      await queues.close();
      await Promise.all([connection, blocking].map((c) => c.quit().catch(() => c.disconnect())));
      await redis.embedded?.stop();
    },
  };
}
