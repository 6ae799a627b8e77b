import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore, defaultCredentialsPath, type CredentialStoreOptions } from '../src/index.js';
import { fakeToken, TestApi } from './test-api.js';

// Cheap scrypt for most tests; one test below uses the default cost.
const FAST = { N: 2 ** 12, r: 8, p: 1 };
const posix = process.platform !== 'win32';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await createTempDir('gitfleet-tokens-');
});
afterEach(async () => {
  await tmp.cleanup();
});

function store(options: CredentialStoreOptions = {}): CredentialStore {
  return new CredentialStore({ path: join(tmp.path, 'cfg', 'credentials.enc'), passphrase: 'correct horse', scrypt: FAST, env: {}, ...options });
}

describe('CredentialStore', () => {
  it('adds, lists masked, gives sources and removes by id or label', async () => {
    const s = store();
    expect(await s.list()).toEqual([]);
    const work = await s.add({ provider: 'github', token: fakeToken('a1b2'), label: 'work' });
    const lab = await s.add({ provider: 'gitlab', token: fakeToken('c3d4', 'glpat-'), baseUrl: 'https://gitlab.example.com/api/v4/' });
    expect(work).toMatchObject({ provider: 'github', tokenId: 'ghp_…a1b2', label: 'work' });
    expect(work.id).toMatch(/^[0-9a-f]{8}$/);
    // A second store instance (another process) reads the same file.
    const again = store();
    expect(await again.list()).toEqual([work, lab]);
    expect(await again.sources()).toEqual([
      { token: fakeToken('a1b2'), provider: 'github', label: 'work' },
      { token: fakeToken('c3d4', 'glpat-'), provider: 'gitlab', baseUrl: 'https://gitlab.example.com/api/v4', label: lab.id },
    ]);
    // The same token again is not duplicated; a used label is refused.
    expect(await s.add({ provider: 'github', token: fakeToken('a1b2') })).toEqual(work);
    await expect(s.add({ provider: 'github', token: fakeToken('zzzz'), label: 'work' })).rejects.toMatchObject({
      code: 'GITFLEET_TOKENS_INVALID_OPTION',
    });
    expect(await s.remove('work')).toEqual(work);
    expect(await s.remove(lab.id)).toEqual(lab);
    expect(await s.list()).toEqual([]);
    await expect(s.remove('work')).rejects.toMatchObject({ name: 'CredentialNotFoundError', code: 'GITFLEET_TOKENS_NOT_FOUND' });
  });

  it('stores git tokens per host, kept apart from the API sources and from validation', async () => {
    const s = store();
    const api = await s.add({ provider: 'github', token: fakeToken('a1b2') });
    const git = await s.add({ provider: 'git', token: 'glpat-gitgitgitgit9', host: 'Git.Example.org:8443', username: 'ci', label: 'ci' });
    expect(git).toMatchObject({ provider: 'git', host: 'git.example.org:8443', username: 'ci', tokenId: 'glpat-…', label: 'ci' });
    const again = store();
    expect(await again.list()).toEqual([api, git]);
    expect(await again.sources()).toEqual([{ token: fakeToken('a1b2'), provider: 'github', label: api.id }]);
    expect(await again.gitCredentials()).toEqual([{ host: 'git.example.org:8443', token: 'glpat-gitgitgitgit9', username: 'ci', label: 'ci' }]);
    const testApi = new TestApi();
    testApi.user('alice', { core: { limit: 10 } }, [fakeToken('a1b2')]);
    expect((await again.validate(testApi.identify)).map((v) => [v.id, v.ok])).toEqual([[api.id, true]]);
    // The same token for another host is another entry; a git token needs a valid host.
    expect((await s.add({ provider: 'git', token: 'glpat-gitgitgitgit9', host: 'other.example' })).id).not.toBe(git.id);
    for (const bad of [{ host: undefined }, { host: 'a b' }, { host: 'https://x/' }, { host: 'x.org', baseUrl: 'https://x.org' }, { host: 'x.org', username: 'a:b' }]) {
      await expect(s.add({ provider: 'git', token: 'tok', ...bad } as never)).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_INVALID_OPTION' });
    }
    await expect(s.add({ provider: 'github', token: 'tok', host: 'x.org' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_INVALID_OPTION' });
  });

  it.skipIf(!posix)('writes the file with mode 0600 in a 0700 directory, encrypted', async () => {
    const s = store();
    await s.add({ provider: 'github', token: fakeToken('a1b2') });
    expect((await stat(s.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(tmp.path, 'cfg'))).mode & 0o777).toBe(0o700);
    const text = await readFile(s.path, 'utf8');
    expect(text).not.toContain(fakeToken('a1b2'));
    expect(text).not.toContain('a1b2');
    const envelope = JSON.parse(text) as Record<string, unknown>;
    expect(envelope).toMatchObject({ format: 'gitfleet-credentials', version: 1, cipher: 'aes-256-gcm', kdf: { name: 'scrypt', ...FAST } });
    expect(Object.keys(envelope).sort()).toEqual(['cipher', 'ciphertext', 'format', 'iv', 'kdf', 'keyCheck', 'tag', 'version']);
  });

  it('replaces the file atomically (new inode, no temp files left, a fresh IV each write)', async () => {
    const s = store();
    await s.add({ provider: 'github', token: fakeToken('0001') });
    const before = await stat(s.path);
    const firstIv = (JSON.parse(await readFile(s.path, 'utf8')) as { iv: string }).iv;
    await s.add({ provider: 'github', token: fakeToken('0002') });
    const after = await stat(s.path);
    if (posix) expect(after.ino).not.toBe(before.ino);
    expect((JSON.parse(await readFile(s.path, 'utf8')) as { iv: string }).iv).not.toBe(firstIv);
    expect(await readdir(join(tmp.path, 'cfg'))).toEqual(['credentials.enc']);
  });

  it('keeps every entry when add() is called concurrently', async () => {
    const s = store();
    const added = await Promise.all(Array.from({ length: 25 }, (_, i) => s.add({ provider: 'github', token: fakeToken(String(i).padStart(4, '0')) })));
    expect(new Set(added.map((a) => a.id)).size).toBe(25);
    expect((await store().list()).map((e) => e.tokenId).sort()).toEqual(added.map((a) => a.tokenId).sort());
    expect(await readdir(join(tmp.path, 'cfg'))).toEqual(['credentials.enc']);
  });

  it('a wrong passphrase or key gives BadKeyError and overwrites nothing', async () => {
    const s = store();
    await s.add({ provider: 'github', token: fakeToken('a1b2') });
    const bytes = await readFile(s.path);
    const wrong = store({ passphrase: 'wrong horse' });
    for (const attempt of [() => wrong.list(), () => wrong.add({ provider: 'github', token: fakeToken('e5f6') }), () => wrong.remove('x')]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'BadKeyError', code: 'GITFLEET_TOKENS_BAD_KEY' });
      expect((error as Error).message).toContain(s.path);
    }
    await expect(store({ key: randomBytes(32) }).list()).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_BAD_KEY' });
    expect(await readFile(s.path)).toEqual(bytes);
  });

  it('detects tampering (CorruptStoreError) and overwrites nothing', async () => {
    const s = store();
    await s.add({ provider: 'github', token: fakeToken('a1b2') });
    const original = await readFile(s.path, 'utf8');
    const envelope = JSON.parse(original) as Record<string, unknown> & { ciphertext: string; kdf: Record<string, unknown> };
    const flipped = Buffer.from(envelope.ciphertext, 'base64');
    flipped[3]! ^= 0x01;
    const tampered = [
      JSON.stringify({ ...envelope, ciphertext: flipped.toString('base64') }),
      JSON.stringify({ ...envelope, iv: randomBytes(12).toString('base64') }),
      JSON.stringify({ ...envelope, tag: randomBytes(16).toString('base64') }),
      JSON.stringify({ ...envelope, version: 2 }),
      JSON.stringify({ ...envelope, kdf: { ...envelope.kdf, N: 2 ** 30 } }),
      original.slice(0, original.length / 2),
      'not json at all',
    ];
    for (const text of tampered) {
      await writeFile(s.path, text);
      const error = await store().add({ provider: 'github', token: fakeToken('e5f6') }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'CorruptStoreError', code: 'GITFLEET_TOKENS_CORRUPT_STORE' });
      expect(await readFile(s.path, 'utf8')).toBe(text);
    }
  });

  it('takes the key from the environment: GITFLEET_CREDENTIALS_KEY (base64 or hex) or _PASSPHRASE', async () => {
    const key = randomBytes(32);
    const path = join(tmp.path, 'env', 'credentials.enc');
    const b64 = new CredentialStore({ env: { GITFLEET_CREDENTIALS_FILE: path, GITFLEET_CREDENTIALS_KEY: key.toString('base64') } });
    expect(b64.path).toBe(path);
    await b64.add({ provider: 'github', token: fakeToken('a1b2') });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ kdf: { name: 'none' } });
    const hex = new CredentialStore({ env: { GITFLEET_CREDENTIALS_FILE: path, GITFLEET_CREDENTIALS_KEY: key.toString('hex') } });
    expect(await hex.list()).toHaveLength(1);
    // A passphrase cannot open a key-encrypted file.
    const phrase = new CredentialStore({ env: { GITFLEET_CREDENTIALS_FILE: path, GITFLEET_CREDENTIALS_PASSPHRASE: 'pw' } });
    await expect(phrase.list()).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_BAD_KEY', message: expect.stringContaining('not a passphrase') as string });
    await expect(new CredentialStore({ path, env: { GITFLEET_CREDENTIALS_KEY: 'c2hvcnQ=' } }).list()).rejects.toMatchObject({
      code: 'GITFLEET_TOKENS_INVALID_OPTION',
    });
    await expect(new CredentialStore({ path, env: {} }).list()).rejects.toMatchObject({ name: 'MissingKeyError', code: 'GITFLEET_TOKENS_NO_KEY' });
  });

  it('defaults to <config dir>/gitfleet/credentials.enc', () => {
    expect(defaultCredentialsPath({})).toMatch(/gitfleet[/\\]credentials\.enc$/);
    expect(defaultCredentialsPath({ GITFLEET_CREDENTIALS_FILE: '/x/y.enc' })).toBe('/x/y.enc');
  });

  it('uses scrypt N=2^17, r=8, p=1 by default and opens its own file again', async () => {
    const s = new CredentialStore({ path: join(tmp.path, 'credentials.enc'), passphrase: 'pw', env: {} });
    await s.add({ provider: 'github', token: fakeToken('a1b2') });
    expect(JSON.parse(await readFile(s.path, 'utf8'))).toMatchObject({ kdf: { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 } });
    expect(await new CredentialStore({ path: s.path, passphrase: 'pw', env: {} }).list()).toHaveLength(1);
  });

  it('validates each token without throwing for a bad one, and shows no token', async () => {
    const api = new TestApi();
    const good = fakeToken('a1b2');
    const revoked = fakeToken('dead');
    const offline = fakeToken('0ff1');
    api.user('github:https://api.github.com:user:1', { core: { limit: 5000 } }, [good, offline]);
    api.unreachable.add(offline);
    const s = store();
    const added = [];
    for (const token of [good, revoked, offline]) added.push(await s.add({ provider: 'github', token }));
    const results = await s.validate(api.identify);
    expect(results).toEqual([
      { id: added[0]!.id, tokenId: 'ghp_…a1b2', ok: true, identity: 'github:https://api.github.com:user:1', login: '1', scopes: ['repo'] },
      { id: added[1]!.id, tokenId: 'ghp_…dead', ok: false, error: { code: 'GITFLEET_PROVIDER_AUTH', message: 'Bad credentials' } },
      { id: added[2]!.id, tokenId: 'ghp_…0ff1', ok: false, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED while using ghp_…0ff1' } },
    ]);
    const errors = await Promise.all([store({ passphrase: 'nope' }).list().catch((e: unknown) => e), store().remove('missing').catch((e: unknown) => e)]);
    for (const out of [JSON.stringify(results), inspect(await s.list()), JSON.stringify(errors), inspect(errors), String(errors)]) {
      for (const token of [good, revoked, offline]) expect(out).not.toContain(token);
    }
  });

  it('leaves an existing directory alone and reports I/O failures as StoreIOError', async () => {
    const dir = join(tmp.path, 'shared');
    await mkdir(dir, { mode: 0o755 });
    const s = store({ path: join(dir, 'credentials.enc') });
    await s.add({ provider: 'github', token: fakeToken('a1b2') });
    if (posix) expect((await stat(dir)).mode & 0o777).toBe(0o755);
    await writeFile(join(tmp.path, 'file'), '');
    const blocked = store({ path: join(tmp.path, 'file', 'credentials.enc') });
    await expect(blocked.add({ provider: 'github', token: fakeToken('a1b2') })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_STORE_IO' });
  });
});
