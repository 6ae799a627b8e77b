import { readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { commitFiles, createBareClone, createEmptyRepo, createTempDir, startGitHttpServer } from '@gitfleet/test-kit';
import type { GitHttpServer, TempDir } from '@gitfleet/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleet } from '../../src/index.js';

// Three servers on loopback: A and B each need their own token, C is public.
const TOKEN_A = 'scope-token-aaaa-1111';
const TOKEN_B = 'scope-token-bbbb-2222';
const TOKEN_X = 'scope-token-xxxx-3333';

let root: TempDir;
let a: GitHttpServer;
let b: GitHttpServer;
let c: GitHttpServer;
const hostOf = (server: GitHttpServer): string => `127.0.0.1:${String(server.port)}`;
const basic = (user: string, token: string): string => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
/** The password of every Authorization header a server received (undefined: none sent). */
const passwords = (server: GitHttpServer): (string | undefined)[] =>
  server.requests.map((r) => (r.authorization ? Buffer.from(r.authorization.replace(/^Basic /, ''), 'base64').toString().split(':').slice(1).join(':') : undefined));

beforeAll(async () => {
  root = await createTempDir('gitfleet-scope-');
  await using repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'a.txt': 'a\n' }, { message: 'one' });
  for (const name of ['r.git', 'hop.git', 'plain.git', 'secret.git']) await createBareClone(repo.path, { dir: join(root.path, name) });
  a = await startGitHttpServer({ root: root.path, token: TOKEN_A });
  b = await startGitHttpServer({ root: root.path, token: TOKEN_B });
  c = await startGitHttpServer({ root: root.path });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  await root?.cleanup();
});

const ENV_KEYS = ['GITFLEET_GIT_TOKEN', 'GITFLEET_GIT_HOST', 'GITFLEET_GIT_TOKENS', 'GIT_CONFIG_GLOBAL'] as const;
const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = saved[key];
  }
  for (const server of [a, b, c]) server.requests.length = 0;
});

describe('clone credentials go only to their own host', () => {
  it('a URL list mixing hosts sends each host only its own token (GITFLEET_GIT_TOKEN for GITFLEET_GIT_HOST, GITFLEET_GIT_TOKENS)', async () => {
    process.env['GITFLEET_GIT_TOKEN'] = TOKEN_A;
    process.env['GITFLEET_GIT_HOST'] = hostOf(a);
    process.env['GITFLEET_GIT_TOKENS'] = `${hostOf(b)}=${TOKEN_B}`;
    await using fleet = createFleet([a.url('r.git'), b.url('r.git'), c.url('r.git')], { retries: 0 });
    const results = await fleet.cloneAll();
    expect(results.map((r) => [r.status, r.error?.message])).toEqual([
      ['completed', undefined],
      ['completed', undefined],
      ['completed', undefined],
    ]);
    // Every request on every server: at most its own token, never another host's.
    for (const [server, own] of [[a, TOKEN_A], [b, TOKEN_B]] as const) {
      expect(server.requests.length).toBeGreaterThan(1);
      expect(new Set(passwords(server).filter((p) => p !== undefined))).toEqual(new Set([own]));
    }
    expect(c.requests.length).toBeGreaterThan(1);
    expect(passwords(c)).toEqual(c.requests.map(() => undefined));
  });

  it('the options map is per host too: a host without an entry gets nothing', async () => {
    await using fleet = createFleet([a.url('r.git'), c.url('r.git')], { tokens: { [hostOf(a)]: TOKEN_A }, retries: 0 });
    expect((await fleet.cloneAll()).map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(passwords(c).every((p) => p === undefined)).toBe(true);
  });

  it('a redirect to another host carries no credential', async () => {
    a.configure('hop.git', { redirectTo: c.url('hop.git') });
    await using fleet = createFleet([a.url('hop.git')], { tokens: { [hostOf(a)]: TOKEN_A }, retries: 0 });
    const [result] = await fleet.cloneAll();
    expect(result?.error?.message).toBeUndefined();
    expect(result?.status).toBe('completed');
    expect(a.requests.some((r) => r.authorization === basic('git', TOKEN_A) && r.status === 302)).toBe(true);
    expect(c.requests.length).toBeGreaterThan(0);
    expect(passwords(c).every((p) => p === undefined)).toBe(true);
  });

  it("the user's own credential helpers never receive our token", async () => {
    await using home = await createTempDir('gitfleet-scope-home-');
    const store = join(home.path, 'git-credentials');
    await writeFile(join(home.path, 'gitconfig'), `[credential]\n\thelper = store --file=${store}\n`);
    process.env['GIT_CONFIG_GLOBAL'] = join(home.path, 'gitconfig');
    await using fleet = createFleet([a.url('r.git')], { tokens: { [hostOf(a)]: TOKEN_A }, retries: 0 });
    expect((await fleet.cloneAll())[0]?.status).toBe('completed');
    expect(await readFile(store, 'utf8').catch(() => '')).not.toContain(TOKEN_A);
  });
});

// A real address of this machine that is not loopback: plain http to it must never carry a token.
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(external === undefined)('plain http to a non-loopback address', () => {
  let open: GitHttpServer;
  let locked: GitHttpServer;
  beforeAll(async () => {
    open = await startGitHttpServer({ root: root.path, host: external! });
    locked = await startGitHttpServer({ root: root.path, host: external!, token: TOKEN_X });
  });
  afterAll(async () => {
    await Promise.all([open?.close(), locked?.close()]);
  });
  afterEach(() => {
    for (const server of [open, locked]) server.requests.length = 0;
  });

  it('never sends a configured token; a server that needs one fails with a hint, without the token', async () => {
    const tokens = { [`${external!}:${String(open.port)}`]: TOKEN_X, [`${external!}:${String(locked.port)}`]: TOKEN_X };
    await using fleet = createFleet([open.url('plain.git'), locked.url('secret.git')], { tokens, retries: 0 });
    const [plain, secret] = await fleet.cloneAll();
    expect(plain?.status).toBe('completed');
    expect(open.requests.length).toBeGreaterThan(1);
    expect(open.requests.every((r) => r.authorization === undefined)).toBe(true);
    expect(secret).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_AUTH_FAILED' } });
    expect(secret?.error?.message).toMatch(/plain http/);
    expect(locked.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('refuses credentials written into a plain-http URL, before any request', async () => {
    const url = locked.url('secret.git').replace('http://', `http://me:${TOKEN_X}@`);
    await using fleet = createFleet([url], { retries: 0 });
    const [result] = await fleet.cloneAll();
    expect(result).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_INSECURE_TRANSPORT' } });
    expect(result?.error?.message).not.toContain(TOKEN_X);
    expect(locked.requests).toEqual([]);
  });
});
