import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, text } from './cli.js';

// Concurrent `tokens add` processes must all be kept: the store's read-modify-write is locked
// across processes, and every write replaces the file atomically.

let home: TempDir;
beforeAll(async () => {
  home = await createTempDir('gitfleet-tokens-concurrency-');
});
afterAll(async () => home?.cleanup());

const token = (round: number, i: number): string => `ghp_r${round}p${i}${'x'.repeat(30)}${randomBytes(2).toString('hex')}`;

interface Listed {
  source: string;
  token: string;
  label: string | null;
}

async function addConcurrently(env: Record<string, string>, rounds: number, processes: number): Promise<Map<string, string>> {
  const added = new Map<string, string>(); // label -> token
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: processes }, (_, i) => ({ label: `r${round}-p${i}`, token: token(round, i) }));
    const results = await Promise.all(
      batch.map((b) => runCli(['tokens', 'add', 'github', '--no-check', '--label', b.label], { input: `${b.token}\n`, env })),
    );
    for (const [i, r] of results.entries()) {
      expect(r.stderr).toMatch(/^gitfleet: stored github token/);
      expect(r.code).toBe(0);
      added.set(batch[i]!.label, batch[i]!.token);
    }
    // After every round, every token added so far is in the store.
    const list = await runCli(['tokens', 'list', '--format', 'json'], { env });
    expect(list.code).toBe(0);
    const stored = (JSON.parse(text(list)) as Listed[]).filter((r) => r.source === 'store');
    expect(stored.map((r) => r.label).sort()).toEqual([...added.keys()].sort());
  }
  return added;
}

const baseEnv = (file: string): Record<string, string> => ({
  GITFLEET_CREDENTIALS_FILE: file,
  GITFLEET_CREDENTIALS_KEY: '',
  GITFLEET_CREDENTIALS_PASSPHRASE: '',
  GITHUB_TOKEN: '',
  GITHUB_TOKENS: '',
  GITLAB_TOKEN: '',
  GITLAB_TOKENS: '',
});

describe('concurrent tokens add', () => {
  it('with a key: 6 processes at once, 4 rounds, lose no token; the file decrypts and holds no token in clear', async () => {
    const file = join(home.path, 'key', 'credentials.enc');
    const env = { ...baseEnv(file), GITFLEET_CREDENTIALS_KEY: randomBytes(32).toString('base64') };
    const added = await addConcurrently(env, 4, 6);
    expect(added.size).toBe(24);
    const raw = await readFile(file, 'utf8');
    expect(JSON.parse(raw)).toMatchObject({ format: 'gitfleet-credentials', version: 1 });
    for (const t of added.values()) expect(raw).not.toContain(t);
  }, 120_000);

  it('with a passphrase (scrypt): 4 processes at once, 2 rounds, starting from no file, lose no token', async () => {
    const file = join(home.path, 'passphrase', 'credentials.enc');
    const env = { ...baseEnv(file), GITFLEET_CREDENTIALS_PASSPHRASE: 'correct horse battery staple' };
    const added = await addConcurrently(env, 2, 4);
    expect(added.size).toBe(8);
    const wrong = await runCli(['tokens', 'list'], { env: { ...env, GITFLEET_CREDENTIALS_PASSPHRASE: 'wrong' } });
    expect(wrong.code).not.toBe(0);
  }, 180_000);
});
