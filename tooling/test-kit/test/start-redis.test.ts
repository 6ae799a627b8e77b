import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedis } from '../src/index.js';

/** One command over RESP (inline form), its first reply line. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const lines = reply.split('\r\n');
      if (lines.length > 1 && (!reply.startsWith('$') || lines.length > 2)) {
        socket.destroy();
        resolve(reply.startsWith('$') ? lines[1]! : lines[0]!);
      }
    });
  });
}

describe('startRedis', () => {
  it('a persistent server keeps every write across a SIGKILL restart on the same port', async () => {
    await using redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${String(redis.port)}`);
    expect(await command(redis.port, 'SET k v1')).toBe('+OK');
    const before = redis.pid;
    await redis.restart({ signal: 'SIGKILL', downMs: 100 });
    expect(redis.pid).not.toBe(before);
    expect(await command(redis.port, 'GET k')).toBe('v1');
  });

  it('a non-persistent server starts empty after a restart', async () => {
    await using redis = await startRedis({ persistent: false });
    expect(await command(redis.port, 'SET k v1')).toBe('+OK');
    await redis.restart();
    expect(await command(redis.port, 'EXISTS k')).toBe(':0');
  });
});
