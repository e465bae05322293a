import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freeLoopbackPort,
  startRedisServer,
  type RedisServerProcess,
} from '../../src/queue/redis-server-process.ts';
import { startLgt, waitFor } from '../helpers/lgt-process.ts';
import { runCli } from '../helpers/run-cli.ts';

/** The real `lgt serve` process: its token rules and its start-up. */
let redis: RedisServerProcess;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

describe('lgt serve', () => {
  it('refuses an address beyond loopback without LGT_API_TOKEN, and a short token', async () => {
    const open = await runCli(['serve', '--host', '0.0.0.0', '--redis-url', redis.url], {
      LGT_API_TOKEN: '',
    });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('set LGT_API_TOKEN');
    const short = await runCli(['serve', '--redis-url', redis.url], { LGT_API_TOKEN: 'abc' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('too short');
  });

  it('on loopback without a token makes one, only its owner can read it, and it opens changes', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-serve-'));
    const port = await freeLoopbackPort();
    const serve = startLgt(
      ['serve', '--port', String(port), '--out', out, '--redis-url', redis.url],
      { LGT_API_TOKEN: '' },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('lgt serve to answer', async () =>
        fetch(`${base}/healthz`)
          .then((r) => r.ok)
          .catch(() => false),
      );
      expect(serve.output()).toContain(`${out}/.api-token`);
      const file = path.join(out, '.api-token');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      const refused = await fetch(`${base}/api/campaigns`, { method: 'POST' });
      expect(refused.status).toBe(401);
      const started = await fetch(`${base}/api/campaigns`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task: { kind: 'builtin', name: 'iris' }, maxTrials: 1 }),
      });
      expect(started.status).toBe(201);
      // The page is there, and the token is in none of the output.
      expect(await (await fetch(`${base}/`)).text()).toContain('<title>lgt</title>');
      expect(serve.output()).not.toContain(token);
    } finally {
      await serve.kill();
    }
    expect(await serve.exited).toBe(0);
  }, 60_000);
});
