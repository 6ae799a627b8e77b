import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareClone, createEmptyRepo, createTempDir, gitText, startGitHttpServer } from '../src/index.js';
import type { GitHttpServer, TempDir } from '../src/index.js';

const TOKEN = 'tok-123';
const authEnv = (token: string): Record<string, string> => ({
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`git:${token}`).toString('base64')}`,
});

describe('startGitHttpServer', () => {
  let root: TempDir;
  let server: GitHttpServer;
  let head = '';

  beforeAll(async () => {
    root = await createTempDir('gitfleet-http-root-');
    await using source = await createEmptyRepo();
    for (let i = 0; i < 3; i++) head = await commitFiles(source.path, { [`f${String(i)}.txt`]: 'x\n'.repeat(5000 + i) }, { message: `c${String(i)}` });
    for (const name of ['a.git', 'b.git', 'c.git', 'd.git', 'e.git']) await createBareClone(source.path, { dir: join(root.path, name) });
    server = await startGitHttpServer({ root: root.path, token: TOKEN });
  });
  afterAll(async () => {
    await server.close();
    await root.cleanup();
  });

  const clone = async (name: string, token = TOKEN): Promise<string> => {
    const dest = await createTempDir('gitfleet-http-clone-');
    try {
      await gitText(dest.path, ['clone', '--quiet', server.url(name), 'out'], { env: authEnv(token) });
      return await gitText(join(dest.path, 'out'), ['rev-parse', 'HEAD']);
    } finally {
      await dest.cleanup();
    }
  };
  const since = (n: number) => server.requests.slice(n);

  it('serves git clone over smart HTTP with Basic auth', async () => {
    const n = server.requests.length;
    expect((await clone('a.git')).trim()).toBe(head);
    expect(since(n).every((r) => r.authorized && r.repo === 'a.git')).toBe(true);
    expect(since(n).some((r) => r.method === 'POST' && r.path === '/a.git/git-upload-pack' && r.status === 200)).toBe(true);
  });

  it('answers 401 with WWW-Authenticate without the right token', async () => {
    const res = await fetch(`${server.url('a.git')}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="git"');
    await expect(clone('a.git', 'wrong')).rejects.toThrow(/could not read Username|Authentication failed/);
  });

  it('drops the connection mid-pack, then behaves after faultTimes', async () => {
    server.configure('b.git', { fault: 'drop-mid-pack', faultTimes: 1 });
    const n = server.requests.length;
    await expect(clone('b.git')).rejects.toThrow(/RPC failed|early EOF|unexpected disconnect|transfer closed/);
    expect(since(n).filter((r) => r.fault === 'drop-mid-pack')).toHaveLength(1);
    expect((await clone('b.git')).trim()).toBe(head);
  });

  it('injects 500 and 401 statuses', async () => {
    server.configure('c.git', { fault: 'status-500', faultTimes: 1 });
    await expect(clone('c.git')).rejects.toThrow(/500/);
    expect((await clone('c.git')).trim()).toBe(head);
    server.configure('d.git', { fault: 'status-401' });
    await expect(clone('d.git')).rejects.toThrow(/could not read Username|Authentication failed/);
    expect(server.requests.filter((r) => r.repo === 'd.git').every((r) => r.status === 401)).toBe(true);
  });

  it('slows the start and paces bandwidth', async () => {
    server.configure('e.git', { fault: 'slow-start', faultTimes: 1, slowStartMs: 600 });
    let start = Date.now();
    await clone('e.git');
    expect(Date.now() - start).toBeGreaterThanOrEqual(600);
    server.configure('e.git', { bytesPerSecond: 64 * 1024, latencyMs: 20 });
    start = Date.now();
    await clone('e.git');
    // The pack is ~30 KB of text that compresses well; pacing plus latency still costs time.
    expect(Date.now() - start).toBeGreaterThanOrEqual(60);
  });
});
