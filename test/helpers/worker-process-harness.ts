import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { openQueues, type LgtQueues } from '../../src/queue/lgt-queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import type { RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { startLgt, type LgtProcess } from './lgt-process.ts';
import { sharedDataset } from './paths.ts';

/**
 * What the tests with real `lgt worker` processes share: a redis-server of their own (started by
 * `startServer`), a store and queues on it, and the worker processes a test starts, killed after
 * each test, when Redis is emptied too (a test's leftover jobs must not reach the next one's
 * workers). `server` may be replaced by a test that restarts Redis.
 */
class WorkerProcessHarness {
  server!: RedisServerProcess;
  redis!: RedisClient;
  store!: CampaignStore;
  queues!: LgtQueues;
  readonly processes: LgtProcess[] = [];

  /** A real `lgt worker` on this Redis, killed after the test. */
  worker(args: string[] = [], env: Record<string, string> = {}): LgtProcess {
    return this.track(startLgt(['worker', '--redis-url', this.server.url, ...args], env));
  }

  /** Any real `lgt` process, killed after the test. */
  track(process: LgtProcess): LgtProcess {
    this.processes.push(process);
    return process;
  }
}

export function useWorkerProcesses(
  startServer: () => Promise<RedisServerProcess>,
): WorkerProcessHarness {
  const h = new WorkerProcessHarness();
  beforeAll(async () => {
    sharedDataset('iris.csv');
    h.server = await startServer();
    h.redis = createRedis(h.server.url);
    h.store = new CampaignStore(h.redis);
    h.queues = openQueues(h.server.url);
  });
  afterEach(async () => {
    await Promise.all(h.processes.splice(0).map((p) => p.kill('SIGKILL')));
    await h.redis.flushall();
  });
  afterAll(async () => {
    await h.queues.close();
    h.redis.disconnect();
    await h.server.stop();
  });
  return h;
}
