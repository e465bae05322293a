import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CampaignDriver } from '../../src/campaign/campaign-driver.ts';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';

/**
 * A driver waits for its trials in a blocking read of the campaign's event stream. Drivers in
 * one process that shared a connection waited in turn (ten campaigns took 11 times as long as
 * one in bench/scale.ts's fleet): each campaign driven has a connection of its own.
 */
const db = useCampaignRedis();

/** Redis's clients by name: their flags ('b' while blocked) and the command they run. */
async function driverClients(): Promise<Map<string, { flags: string; cmd: string }>> {
  const list = (await db.redis.client('LIST')) as string;
  const clients = new Map<string, { flags: string; cmd: string }>();
  for (const line of list.trim().split('\n')) {
    const fields = Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2)));
    if (fields['name']?.startsWith('lgt-driver:'))
      clients.set(fields['name'], { flags: fields['flags'] ?? '', cmd: fields['cmd'] ?? '' });
  }
  return clients;
}

describe('drivers in one process', () => {
  it('wait for their campaigns on connections of their own, closed when they stop', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-driver-connections-'));
    const ids = await Promise.all(
      [1, 2].map(
        async (seed) =>
          (
            await createCampaign(
              db.store,
              db.queues,
              await prepareCampaign({
                task: { kind: 'builtin', name: 'bench:branin' },
                strategy: 'random',
                maxTrials: 4,
                parallel: 2,
                seed,
                pruner: 'none',
                outputDir: out,
              }),
            )
          ).id,
      ),
    );
    // One driver object and one connection handed to it, as a worker process has; no trial
    // worker runs, so both campaigns wait for their trials.
    const blocking = createRedis(db.server.url);
    const driver = new CampaignDriver(db.store, db.queues, blocking, { pollMs: 5000 });
    const stop = new AbortController();
    const driving = ids.map((id) => driver.drive(id, stop.signal).catch((e: Error) => e));
    try {
      // Both blocked at once, each on its own named connection.
      const clients = await waitFor(
        'both drivers blocked on their own connections',
        async () => {
          const now = await driverClients();
          const blocked = ids.filter((id) => now.get(`lgt-driver:${id}`)?.flags.includes('b'));
          return blocked.length === 2 ? now : null;
        },
        20_000,
      );
      for (const id of ids) expect(clients.get(`lgt-driver:${id}`)!.cmd).toBe('xread');
    } finally {
      stop.abort();
      await Promise.all(driving);
      blocking.disconnect();
    }
    await waitFor(
      'the drivers to close their connections',
      async () => ((await driverClients()).size === 0 ? true : null),
      20_000,
    );
  }, 60_000);
});
