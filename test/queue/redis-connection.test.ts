import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, resolveRedis } from '../../src/queue/redis-connection.ts';
import { freeLoopbackPort, startRedisServer } from '../../src/queue/redis-server-process.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('resolveRedis', () => {
  it('starts an embedded, persistent redis-server when nothing answers and no URL was given, and says so', async () => {
    delete process.env['REDIS_URL'];
    process.env['XDG_STATE_HOME'] = mkdtempSync(path.join(os.tmpdir(), 'lgt-state-'));
    const closed = `redis://127.0.0.1:${await freeLoopbackPort()}`;
    const said: string[] = [];
    const resolved = await resolveRedis({
      allowEmbedded: true,
      defaultUrl: closed,
      say: (m) => said.push(m),
    });
    try {
      expect(resolved.embedded).toBeDefined();
      expect(said[0]).toContain(`no Redis at ${closed}: started redis-server on ${resolved.url}`);
      const client = createRedis(resolved.url);
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      client.disconnect();
      expect(existsSync(path.join(process.env['XDG_STATE_HOME'], 'lgt', 'redis'))).toBe(true);
    } finally {
      await resolved.embedded?.stop();
    }
  });

  it('says how to get a Redis when none answers and none can be started', async () => {
    delete process.env['REDIS_URL'];
    process.env['LGT_REDIS_SERVER'] = '/nonexistent/redis-server';
    const closed = `redis://127.0.0.1:${await freeLoopbackPort()}`;
    await expect(resolveRedis({ allowEmbedded: true, defaultUrl: closed })).rejects.toThrow(
      `no Redis answers at ${closed}. Start one (docker compose up -d redis, or apt-get install redis-server), or point REDIS_URL at yours`,
    );
  });

  it('refuses a given URL where nothing answers, instead of waiting forever', async () => {
    const closed = `redis://127.0.0.1:${await freeLoopbackPort()}`;
    await expect(resolveRedis({ url: closed })).rejects.toThrow(`no Redis answers at ${closed}`);
  });
});

describe('startRedisServer', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('stops the server when the process that started it is killed with SIGKILL', async () => {
    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'test/fixtures/redis-owner.ts')],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      owner.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      owner.once('exit', (code) => reject(new Error(`the owner exited early (${code})`)));
    });
    expect(alive(pid)).toBe(true);
    owner.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('keeps the server while its owner lives, and stop() ends it', async () => {
    const server = await startRedisServer();
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(server.pid)).toBe(true);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
  });
});
