import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerProcess } from './redis-server-process.ts';

/** A Redis Cluster of loopback redis-servers this process started, stopped by their ids. */
export interface RedisClusterProcesses {
  /** redis-cluster://127.0.0.1:<first node's port>: lgt finds the other nodes from it. */
  url: string;
  nodes: RedisServerProcess[];
  stop(): Promise<void>;
}

/**
 * Starts `size` cluster-enabled redis-servers, gives each an equal share of the 16,384 hash
 * slots, introduces them to each other and waits until every node says the cluster is ok (the
 * tests and bench/scale.ts --cluster run lgt on it; a real cluster is an operator's).
 */
export async function startRedisCluster(size = 3): Promise<RedisClusterProcesses> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-redis-cluster-'));
  const nodes = await Promise.all(
    Array.from({ length: size }, () => startRedisServer({ cluster: { dir } })),
  );
  const clients = nodes.map((n) => new Redis(n.port, '127.0.0.1'));
  try {
    const share = Math.ceil(16384 / size);
    await Promise.all(
      clients.map((c, i) =>
        c.call('CLUSTER', 'ADDSLOTSRANGE', i * share, Math.min(16383, (i + 1) * share - 1)),
      ),
    );
    for (const n of nodes.slice(1)) await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', n.port);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO')));
      if (states.every((s) => String(s).includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) {
        await Promise.all(nodes.map((n) => n.stop()));
        throw new Error(
          `the Redis Cluster on ports ${nodes.map((n) => n.port).join(', ')} was not ok within 30 s`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    for (const c of clients) c.disconnect();
  }
  return {
    url: `redis-cluster://127.0.0.1:${nodes[0]!.port}`,
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
