import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaignContext } from '../../src/campaign/campaign-context.ts';
import { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { ReportSchema } from '../../src/contracts/campaign-report.ts';
import { buildApiServer } from '../../src/server/api-server.ts';
import { createRedis, type RedisClient } from '../../src/queue/redis-connection.ts';
import { queuePrefix } from '../../src/queue/lgt-queues.ts';
import { SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';
import {
  startRedisCluster,
  type RedisClusterProcesses,
} from '../../src/queue/redis-cluster-process.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * Past one Redis: a Redis Cluster of three nodes (real redis-servers started here). BullMQ's
 * queues share the hash tag {lgt}, as BullMQ requires; each campaign's keys hash by its own id,
 * so campaigns spread over the nodes while every script of the store stays within one slot.
 */
let cluster: RedisClusterProcesses;
let redis: RedisClient;
let store: CampaignStore;

beforeAll(async () => {
  sharedDataset('iris.csv');
  cluster = await startRedisCluster(3);
  redis = createRedis(cluster.url);
  store = new CampaignStore(redis, queuePrefix(cluster.url));
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

/** The node (by port) that holds `key`: the one whose slot ranges hold its slot. */
async function nodeOf(key: string): Promise<number> {
  const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
  const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
  return owner![2][1];
}

describe('a Redis Cluster', () => {
  it('runs campaigns end to end: trials train in worker processes, each campaign on its own slot', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-cluster-'));
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const run = await runCli(
        [
          'run',
          '--task',
          'iris',
          '--strategy',
          'tpe',
          '--trials',
          '4',
          '--parallel',
          '2',
          '--epochs',
          '3',
          '--seed',
          String(seed),
          '--redis-url',
          cluster.url,
          '--out',
          out,
        ],
        { LGT_DATA_DIR: SHARED_DATASETS },
      );
      expect(run.code, run.stderr).toBe(0);
      const id = /campaign (\S+): completed/.exec(run.stdout)?.[1];
      expect(id, run.stdout).toBeDefined();
      ids.push(id!);
      expect(existsSync(path.join(out, id!, 'report.json'))).toBe(true);
    }
    for (const id of ids) {
      const trials = await store.listTrials(id);
      expect(trials.map((t) => t.state)).toEqual(Array(4).fill('completed'));
      // Curves were appended by the trial processes' script, epoch by epoch.
      const curves = await store.getCurves(id, [1, 2, 3, 4]);
      for (const curve of curves.values()) expect(curve.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect((await store.trialTally(id))!.counts.completed).toBe(4);
      // The campaign's keys are where its own tag puts them, the report head with them.
      const keys = ['campaign', 'trials', 'counters', 'events', 'report'].map(
        (what) => `lgt:{${id}}:${what}`,
      );
      const nodes = new Set(await Promise.all(keys.map(nodeOf)));
      expect(nodes).toEqual(new Set([await nodeOf(`{${id}}`)]));
      expect(await redis.exists(...keys.slice(0, 1))).toBe(1);
    }
    // The queues under the hash tag {lgt}: one slot for all of BullMQ's keys.
    expect(await redis.exists('{lgt}:campaign:meta', '{lgt}:trials:meta')).toBe(2);
    // lgt status reads the campaign through the cluster too.
    const status = await runCli(['status', ids[0]!, '--redis-url', cluster.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('4/4');

    // And so does the service: the dashboard's first look, the report, the event stream.
    const ctx = await openCampaignContext({ redisUrl: cluster.url });
    const app = await buildApiServer({
      ctx,
      token: 'cluster-test-token',
      host: '127.0.0.1',
      runsDir: out,
      dataDirs: [SHARED_DATASETS],
      taskDirs: [],
    });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const get = async (url: string) => {
        const res = await fetch(`${base}${url}`);
        expect(res.status, url).toBe(200);
        return res;
      };
      const overview = (await (await get(`/api/campaigns/${ids[1]}?trials=summary`)).json()) as {
        trials: { state: string }[];
      };
      expect(overview.trials.map((t) => t.state)).toEqual(Array(4).fill('completed'));
      const report = ReportSchema.parse(
        await (await get(`/api/campaigns/${ids[1]}/report`)).json(),
      );
      expect(report.trials).toHaveLength(4);
      const events = await (await get(`/api/campaigns/${ids[1]}/events?follow=false`)).text();
      expect(events).toContain('campaign.finished');
    } finally {
      await app.close();
      await ctx.close();
    }
  }, 300_000);
});
