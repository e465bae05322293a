import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { afterAll, beforeAll } from 'vitest';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { openQueues, type LgtQueues } from '../../src/queue/lgt-queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';

/** A test file's own redis-server, with a connection, a store and the queues on it. */
export interface CampaignRedis {
  server: RedisServerProcess;
  redis: RedisClient;
  store: CampaignStore;
  queues: LgtQueues;
}

/**
 * Starts a redis-server on a free loopback port before the file's tests and stops it (by its
 * process) after them; the fields are set once the tests run.
 */
export function useCampaignRedis(): CampaignRedis {
  const db = {} as CampaignRedis;
  beforeAll(async () => {
    db.server = await startRedisServer();
    db.redis = createRedis(db.server.url);
    db.store = new CampaignStore(db.redis);
    db.queues = openQueues(db.server.url);
  });
  afterAll(async () => {
    await db.queues.close();
    db.redis.disconnect();
    await db.server.stop();
  });
  return db;
}
