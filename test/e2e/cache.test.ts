import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, DAMAGE_KINDS, damageFile, generateLargeRepo, git, type LargeRepo, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, text } from './cli.js';

// The on-disk caches (history, blame, HTTP) through the built CLI: damaged entries are never used,
// the size stays under GITFLEET_CACHE_MAX_SIZE, and `gitfleet cache info|clean` manage it.

const TOKEN = 'ghp_aliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
let repo: LargeRepo;
let other: LargeRepo;
let forge: ForgeServer;
let home: TempDir;
let tools: TempDir;
let blamed: string[];
let noCache: { commits: Buffer; blame: Buffer; analyze: string };

beforeAll(async () => {
  [repo, other, home, tools] = await Promise.all([
    generateLargeRepo({ commits: 165, files: 40, seed: 5 }),
    generateLargeRepo({ commits: 120, files: 30, seed: 6 }),
    createTempDir('gitfleet-cache-e2e-'),
    createTempDir('gitfleet-tools-'),
  ]);
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: Array.from({ length: 30 }, (_, i) => ({ owner: 'acme', name: `r${i}` })) },
    identities: [{ token: TOKEN, login: 'alice' }],
  });
  // A `git` first on PATH that logs each subcommand, so a test can tell a cache hit from a recompute.
  const real = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  await writeFile(join(tools.path, 'git'), `#!/bin/sh\nfor a in "$@"; do case "$a" in -c|core.*|color.*|--no-pager) ;; *) echo "$a" >> "$GITFLEET_TEST_GIT_LOG"; break;; esac; done\nexec "${real}" "$@"\n`);
  await chmod(join(tools.path, 'git'), 0o755);
  blamed = (await git(repo.path, ['ls-files', '*.txt'])).toString().trim().split('\n').slice(0, 3);
  const plain = { GITFLEET_CACHE_DIR: join(home.path, 'unused') };
  const [commits, blame, analyze] = await Promise.all([
    runCli(['commits', repo.path, '-f', 'ndjson', '--files', '--no-cache'], { env: plain }),
    runCli(['blame', repo.path, ...blamed, '-f', 'ndjson', '--no-cache'], { env: plain }),
    runCli(['analyze', repo.path, '-f', 'json', '--no-cache'], { env: plain }),
  ]);
  noCache = { commits: commits.stdout, blame: blame.stdout, analyze: text(analyze) };
}, 120_000);

afterAll(async () => {
  await forge?.close();
  await Promise.all([repo?.cleanup(), other?.cleanup(), home?.cleanup(), tools?.cleanup()]);
});

let n = 0;
/** A fresh cache dir and the environment that uses it, with the logging git first on PATH. */
async function fresh(extra: Record<string, string> = {}): Promise<{ dir: string; log: string; env: Record<string, string> }> {
  const dir = join(home.path, `cache-${++n}`);
  const log = join(home.path, `git-${n}.log`);
  return {
    dir,
    log,
    env: {
      GITFLEET_CACHE_DIR: dir,
      GITFLEET_TEST_GIT_LOG: log,
      PATH: `${tools.path}:${process.env['PATH']}`,
      GITHUB_API_URL: forge.githubUrl,
      GITHUB_TOKEN: TOKEN,
      GITHUB_TOKENS: '',
      GITFLEET_CREDENTIALS_FILE: join(home.path, 'none.enc'),
      GITFLEET_CREDENTIALS_KEY: '',
      GITFLEET_CREDENTIALS_PASSPHRASE: '',
      ...extra,
    },
  };
}

const gitCalls = async (log: string): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

/** Every file under a directory with its size. */
async function files(dir: string): Promise<{ path: string; size: number }[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const out: { path: string; size: number }[] = [];
  for (const name of names) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) out.push({ path: join(dir, name), size: s.size });
  }
  return out;
}
const entriesOf = async (dir: string, kind: string): Promise<string[]> =>
  (await files(join(dir, kind))).filter((f) => /[0-9a-f]{16,}\.[a-z]+$/.test(f.path)).sort((a, b) => b.size - a.size).map((f) => f.path);
/** Requests for the org listing (its pages and the owner lookup) since a mark. */
const listing = (mark: number) => forge.requests.slice(mark).filter((r) => r.path.startsWith('/orgs/acme/repos') || r.path.startsWith('/users/acme'));
const diskSize = async (dir: string): Promise<number> => (await files(dir)).reduce((sum, f) => sum + f.size, 0);

describe.each(DAMAGE_KINDS)('gitfleet commits with a damaged history cache entry: %s', (kind) => {
  it('prints exactly what git (and a --no-cache run) gives, exit 0, and repairs the entry', async () => {
    const { dir, log, env } = await fresh();
    const args = ['commits', repo.path, '-f', 'ndjson', '--files'];
    expect((await runCli(args, { env })).stdout).toEqual(noCache.commits);
    expect((await runCli(['commits', repo.path, '-f', 'ndjson', '-n', '7'], { env })).code).toBe(0);
    const [full, small] = await entriesOf(dir, 'history');
    await damageFile(full!, kind, await readFile(small!));

    const rerun = await runCli(args, { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toEqual(noCache.commits);
    const shas = (await git(repo.path, ['log', '--format=%H'])).toString().trim().split('\n');
    expect(ndjson<{ sha: string }>(rerun).map((c) => c.sha)).toEqual(shas);

    await writeFile(log, '');
    expect((await runCli(args, { env })).stdout).toEqual(noCache.commits);
    expect(await gitCalls(log)).not.toContain('log'); // served by the repaired entry
  });
});

describe.each(DAMAGE_KINDS)('gitfleet blame with a damaged blame cache entry: %s', (kind) => {
  it('prints exactly what a --no-cache run gives and repairs the entry', async () => {
    const { dir, log, env } = await fresh();
    const args = ['blame', repo.path, ...blamed, '-f', 'ndjson'];
    expect((await runCli(args, { env })).stdout).toEqual(noCache.blame);
    const entries = await entriesOf(dir, 'blame');
    expect(entries).toHaveLength(3);
    await damageFile(entries[0]!, kind, await readFile(entries[1]!));

    await writeFile(log, '');
    const rerun = await runCli(args, { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toEqual(noCache.blame);
    expect((await gitCalls(log)).filter((c) => c === 'blame')).toHaveLength(1);

    await writeFile(log, '');
    expect((await runCli(args, { env })).stdout).toEqual(noCache.blame);
    expect(await gitCalls(log)).not.toContain('blame');
  });
});

describe.each(DAMAGE_KINDS)('gitfleet repos with a damaged HTTP cache entry: %s', (kind) => {
  it('fetches the page again instead of answering from the entry, then revalidates with 304s', async () => {
    const { dir, env } = await fresh();
    const args = ['repos', 'github:acme', '-f', 'json'];
    const first = await runCli(args, { env });
    expect(first.code).toBe(0);
    const entries = await entriesOf(dir, 'http');
    expect(entries.length).toBeGreaterThanOrEqual(1);
    const originals = await Promise.all(entries.map((f) => readFile(f)));
    for (const [i, file] of entries.entries()) await damageFile(file, kind, originals[(i + 1) % entries.length]);

    let mark = forge.requests.length;
    const rerun = await runCli(args, { env });
    expect(rerun.code).toBe(0);
    expect(JSON.parse(text(rerun))).toEqual(JSON.parse(text(first)));
    expect(listing(mark).map((r) => r.status)).toEqual(listing(mark).map(() => 200));

    mark = forge.requests.length;
    expect(JSON.parse(text(await runCli(args, { env })))).toEqual(JSON.parse(text(first)));
    expect(listing(mark).map((r) => r.status)).toEqual(listing(mark).map(() => 304));
    expect(listing(mark).length).toBeGreaterThanOrEqual(2);
  });
});

describe('GITFLEET_CACHE_MAX_SIZE', () => {
  it('keeps the cache under the limit across runs, evicting the least recently used entries; results stay exact', async () => {
    const unbounded = await fresh();
    expect(JSON.parse(text(await runCli(['analyze', repo.path, '-f', 'json'], { env: unbounded.env })))).toEqual(JSON.parse(noCache.analyze));
    const full = await diskSize(unbounded.dir);
    expect(full).toBeGreaterThan(20_000);

    const limit = Math.floor(full / 2);
    const bounded = await fresh({ GITFLEET_CACHE_MAX_SIZE: String(limit) });
    for (let round = 0; round < 3; round++) {
      const r = await runCli(['analyze', repo.path, '-f', 'json'], { env: bounded.env });
      expect(r.code).toBe(0);
      expect(JSON.parse(text(r))).toEqual(JSON.parse(noCache.analyze));
      expect(await diskSize(bounded.dir)).toBeLessThanOrEqual(limit);
      expect((await runCli(['commits', other.path, '-f', 'ndjson', '--files'], { env: bounded.env })).code).toBe(0);
      expect(await diskSize(bounded.dir)).toBeLessThanOrEqual(limit);
    }
  });

  it('takes units (512K, 2M, 1G) and rejects anything else with a one-line usage error', async () => {
    const { dir, env } = await fresh({ GITFLEET_CACHE_MAX_SIZE: '64K' });
    expect((await runCli(['commits', repo.path, '-f', 'ndjson', '--files'], { env })).code).toBe(0);
    expect(await diskSize(dir)).toBeLessThanOrEqual(64 * 1024);
    const info = JSON.parse(text(await runCli(['cache', 'info', '-f', 'json'], { env }))) as { maxSize: number };
    expect(info.maxSize).toBe(65_536);
    for (const bad of ['lots', '-1', '12X', '0']) {
      const r = await runCli(['commits', repo.path, '-n', '1'], { env: { ...env, GITFLEET_CACHE_MAX_SIZE: bad } });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('GITFLEET_CACHE_MAX_SIZE');
    }
  });

  it('concurrent runs on one small cache all print exact results and leave it under the limit, every entry valid', async () => {
    const limit = 96 * 1024;
    const { dir, log, env } = await fresh({ GITFLEET_CACHE_MAX_SIZE: String(limit) });
    const runs = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        i % 2 === 0 ? runCli(['commits', repo.path, '-f', 'ndjson', '--files'], { env }) : runCli(['blame', repo.path, ...blamed, '-f', 'ndjson'], { env }),
      ),
    );
    for (const [i, r] of runs.entries()) {
      expect(r.code).toBe(0);
      expect(r.stdout).toEqual(i % 2 === 0 ? noCache.commits : noCache.blame);
    }
    expect(await diskSize(dir)).toBeLessThanOrEqual(limit);
    expect(await files(dir).then((f) => f.filter((x) => x.path.endsWith('.tmp')))).toEqual([]);
    // What is left is good: blame entries kept are served without running git blame on them.
    const kept = (await entriesOf(dir, 'blame')).length;
    await writeFile(log, '');
    expect((await runCli(['blame', repo.path, ...blamed, '-f', 'ndjson'], { env })).stdout).toEqual(noCache.blame);
    expect((await gitCalls(log)).filter((c) => c === 'blame')).toHaveLength(3 - kept);
  });
});

interface Info {
  dir: string;
  bytes: number;
  maxSize: number;
  entries: number;
  kinds: { kind: string; entries: number; bytes: number }[];
}

describe('gitfleet cache info | clean', () => {
  it('info shows the dir, size, limit and entries per kind (table and json), equal to what is on disk', async () => {
    const { dir, env } = await fresh({ GITFLEET_CACHE_MAX_SIZE: '2G' });
    await runCli(['analyze', repo.path, '-f', 'json'], { env });
    await runCli(['repos', 'github:acme', '-f', 'json'], { env });
    const json = await runCli(['cache', 'info', '-f', 'json'], { env });
    expect(json.code).toBe(0);
    const info = JSON.parse(text(json)) as Info;
    expect(info.dir).toBe(dir);
    expect(info.maxSize).toBe(2 * 1024 ** 3);
    // analyze: commits (history), ownership by one walk over history (ownership); repos: http.
    expect(info.kinds.map((k) => k.kind)).toEqual(['history', 'http', 'ownership']);
    for (const k of info.kinds) {
      const onDisk = await files(join(dir, k.kind));
      expect(k.entries).toBe(onDisk.length);
      expect(k.bytes).toBe(onDisk.reduce((s, f) => s + f.size, 0));
    }
    expect(info.bytes).toBe(info.kinds.reduce((s, k) => s + k.bytes, 0));

    const table = text(await runCli(['cache', 'info'], { env }));
    expect(table).toContain(dir);
    expect(table).toMatch(/limit\s+2 ?GB/i);
    expect(table).toMatch(/history\s+\d+\s+\d/);

    // --cache-dir points at another directory.
    const elsewhere = JSON.parse(text(await runCli(['cache', 'info', '-f', 'json', '--cache-dir', join(home.path, 'empty-cache')], { env }))) as Info;
    expect(elsewhere).toMatchObject({ bytes: 0, entries: 0, kinds: [] });
  });

  it('clean removes one kind, entries older than an age, or everything', async () => {
    const { dir, env } = await fresh();
    await runCli(['analyze', repo.path, '-f', 'json'], { env });
    await runCli(['repos', 'github:acme', '-f', 'json'], { env });
    const byKind = JSON.parse(text(await runCli(['cache', 'clean', 'http', '-f', 'json'], { env }))) as { removed: { kind: string; entries: number }[] };
    expect(byKind.removed.map((r) => r.kind)).toEqual(['http']);
    expect(await entriesOf(dir, 'http')).toEqual([]);
    expect((await entriesOf(dir, 'ownership')).length).toBeGreaterThan(0);

    // Entries not used for two days go with --older-than 1d; fresh ones stay.
    const ownershipEntries = await entriesOf(dir, 'ownership');
    const old = new Date(Date.now() - 2 * 86_400_000);
    await utimes(ownershipEntries[0]!, old, old);
    const aged = JSON.parse(text(await runCli(['cache', 'clean', '--older-than', '1d', '-f', 'json'], { env }))) as { removed: { kind: string; entries: number }[] };
    expect(aged.removed).toEqual([{ kind: 'ownership', entries: 1, bytes: expect.any(Number) }]);
    expect(await entriesOf(dir, 'ownership')).toHaveLength(ownershipEntries.length - 1);

    const all = await runCli(['cache', 'clean'], { env });
    expect(all.code).toBe(0);
    expect(text(all)).toMatch(/removed/i);
    expect(JSON.parse(text(await runCli(['cache', 'info', '-f', 'json'], { env }))) as Info).toMatchObject({ entries: 0 });

    const bad = await runCli(['cache', 'clean', 'nonsense'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/history, blame, ownership, ai-conventions, http/);
    const badAge = await runCli(['cache', 'clean', '--older-than', 'soon'], { env });
    expect(badAge.code).toBe(2);
  });

  it('--help explains the limit, the kinds and the age format', async () => {
    const help = text(await runCli(['cache', '--help']));
    expect(help).toContain('GITFLEET_CACHE_MAX_SIZE');
    const clean = text(await runCli(['cache', 'clean', '--help']));
    expect(clean).toMatch(/history/);
    expect(clean).toMatch(/--older-than/);
    expect(clean).toMatch(/7d/);
  });
});
