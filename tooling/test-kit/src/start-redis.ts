import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTempDir } from './create-temp-dir.js';

export interface RedisServerOptions {
  /**
   * Keep every write on disk (`appendonly yes`, `appendfsync always`), so a restart, even after
   * SIGKILL, loses nothing. Default true. False: nothing persisted (`save ''`, `appendonly no`).
   */
  persistent?: boolean;
  /** With `persistent`: fsync the append-only file on every write (`always`, the default) or once a second. */
  appendfsync?: 'always' | 'everysec';
  /** The `redis-server` binary (default from PATH; Debian's `redis-server` package). */
  binary?: string;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The server's working directory (its append-only file). */
  dir: string;
  /** The live process id (changes on restart). */
  readonly pid: number;
  /**
   * Stops the server (SIGTERM, or SIGKILL as a crash), waits `downMs` with nothing listening, then
   * starts it again on the same port and data directory, and waits until it answers PING.
   */
  restart(options?: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number }): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a real `redis-server` on 127.0.0.1 on a free port, in a temp directory, for tests.
 *
 * @example
 * await using redis = await startRedis();
 * const connection = new Redis(redis.url);
 * await redis.restart({ signal: 'SIGKILL', downMs: 500 }); // nothing is lost (appendfsync always)
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const persistent = options.persistent ?? true;
  const binary = options.binary ?? 'redis-server';
  const dir = await createTempDir('gitfleet-redis-');
  const port = await freePort();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir.path,
    '--save', '',
    '--daemonize', 'no',
    '--loglevel', 'warning',
    '--logfile', '',
    '--appendonly', persistent ? 'yes' : 'no',
    '--appendfsync', options.appendfsync ?? 'always',
  ];
  let child: ChildProcess;
  let stderr = '';
  const start = async (): Promise<void> => {
    child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = once(child, 'error').then(([error]) => {
      throw new Error(`cannot start ${binary} (install the redis-server package): ${(error as Error).message}`);
    });
    await Promise.race([waitForPing(port, child), failed]);
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  await start();
  const stop = async (): Promise<void> => {
    await halt('SIGKILL');
    await dir.cleanup();
  };
  return {
    url: `redis://127.0.0.1:${String(port)}`,
    port,
    dir: dir.path,
    get pid() {
      return child.pid!;
    },
    async restart({ signal = 'SIGTERM', downMs = 0 } = {}) {
      await halt(signal);
      if (downMs > 0) await sleep(downMs);
      stderr = '';
      await start().catch((error: unknown) => {
        throw new Error(`redis-server did not come back: ${(error as Error).message} ${stderr}`);
      });
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Until the server answers PING with PONG (not LOADING, while it replays its append-only file). */
async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${String(child.exitCode)}`);
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 20 s');
    await sleep(20);
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
