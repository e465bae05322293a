import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RedisServerOptions {
  /** Port to listen on (127.0.0.1 only); a free one when omitted. */
  port?: number;
  /** Keep data on disk (append-only file) in `dir`, so a restart finds it again. */
  persistence?: { dir: string };
  binary?: string;
  /** Require this password (requirepass): clients use redis://:password@host:port. */
  password?: string;
  /** A node of a Redis Cluster (not yet joined to one), its node file in `dir`. */
  cluster?: { dir: string };
}

/** A redis-server this process started, on loopback, stopped by its process id. */
export interface RedisServerProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export function redisServerBinary(): string | null {
  const binary = process.env['LGT_REDIS_SERVER'] ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? binary : null;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server bound to 127.0.0.1 and waits until it answers. Without persistence nothing
 * touches the disk; with it, every write is appended to an fsynced file in `dir`.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerProcess> {
  const binary = opts.binary ?? redisServerBinary();
  if (!binary) {
    throw new Error('redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)');
  }
  const port = opts.port ?? (await freeLoopbackPort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'no',
    '--daemonize',
    'no',
  ];
  if (opts.persistence) {
    mkdirSync(opts.persistence.dir, { recursive: true });
    args.push(
      '--dir',
      opts.persistence.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    );
  } else {
    args.push('--save', '', '--appendonly', 'no');
  }
  if (opts.password) args.push('--requirepass', opts.password);
  if (opts.cluster) {
    mkdirSync(opts.cluster.dir, { recursive: true });
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      path.join(opts.cluster.dir, `nodes-${port}.conf`),
    );
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitUntilListening(port, child, () => output);
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  child.stdout!.resume();
  child.stderr!.resume();
  stopWhenParentDies(child.pid!);
  return {
    url: `redis://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ''}127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => stopProcess(child),
  };
}

async function waitUntilListening(
  port: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited at start: ${output().trim()}`);
    if (await answersPing(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within 10 s: ${output().trim()}`);
}

/** A raw PING over TCP: true when something speaking Redis answers (PONG, or NOAUTH when it wants a password). */
export function answersPing(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(/^[+-]/.test(d.toString())));
  });
}

/**
 * A process killed with SIGKILL (or crashing) runs no code to stop the redis-server it started,
 * which would then hold its port and memory until someone finds it. A small shell loop outside
 * this process's group watches both: once this process is gone it stops the server with SIGTERM
 * (an append-only file is flushed); it ends by itself when the server stops first.
 */
function stopWhenParentDies(serverPid: number): void {
  if (process.platform === 'win32') return;
  const parent = process.pid;
  const script = `while kill -0 ${parent} 2>/dev/null && kill -0 ${serverPid} 2>/dev/null; do sleep 1; done; kill -0 ${parent} 2>/dev/null || kill -TERM ${serverPid} 2>/dev/null`;
  const watchdog = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.on('error', () => {}); // no /bin/sh: the server just lives as long as before
  watchdog.unref();
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGTERM makes redis-server flush its append-only file and exit cleanly.
    process.kill(child.pid!, 'SIGTERM');
  });
}
