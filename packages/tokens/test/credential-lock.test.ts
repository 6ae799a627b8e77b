import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../src/index.js';

// Writers of one credentials file in different stores (and processes) take turns: nothing is lost,
// and a writer killed while holding the lock blocks the others only until the lock goes stale.

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir('gitfleet-credential-lock-');
});
afterAll(async () => dir?.cleanup());

const key = randomBytes(32);
const token = (i: number): string => `ghp_lock${i}${'y'.repeat(30)}`;

describe('credential store locking', () => {
  it('eight stores on one file adding at once keep every token', async () => {
    const path = join(dir.path, 'many.enc');
    const stores = Array.from({ length: 8 }, () => new CredentialStore({ path, key, scrypt: { N: 2 ** 10 } }));
    await Promise.all(stores.map((s, i) => s.add({ provider: 'github', token: token(i), label: `t${i}` })));
    const listed = await new CredentialStore({ path, key }).list();
    expect(listed.map((c) => c.label).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `t${i}`).sort());
    await expect(stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' }); // released
  });

  it('a writer SIGKILLed while holding the lock delays the next one until the lock is stale, then it goes through', async () => {
    const path = join(dir.path, 'killed.enc');
    await new CredentialStore({ path, key }).add({ provider: 'github', token: token(100) });
    // A real process takes the lock the way the store does, then is killed without releasing it.
    const lockModule = fileURLToPath(new URL('../dist/file-lock.js', import.meta.url));
    const child = spawn(
      process.execPath,
      // The interval keeps the child alive: with nothing pending it would exit on its own, and its
      // exit handler would release the lock before the SIGKILL arrives.
      ['--input-type=module', '-e', `setInterval(() => {}, 1 << 30); const { withFileLock } = await import(${JSON.stringify(lockModule)}); await withFileLock(${JSON.stringify(path)}, () => { console.log('locked'); return new Promise(() => {}); });`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect((await stat(`${path}.lock`)).isDirectory()).toBe(true); // left behind

    const started = Date.now();
    await new CredentialStore({ path, key }).add({ provider: 'github', token: token(101) });
    expect(Date.now() - started).toBeGreaterThan(5_000); // it waited for the lock to go stale
    expect((await new CredentialStore({ path, key }).list()).map((c) => c.tokenId)).toHaveLength(2);
  }, 90_000);
});
