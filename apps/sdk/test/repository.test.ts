import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, createTrickyRepo, gitText, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type BlameFileResult, type Commit } from '../src/index.js';

let tricky: TrickyRepo;
let home: TempDir;
beforeAll(async () => {
  [tricky, home] = await Promise.all([createTrickyRepo(), createTempDir('gitfleet-sdk-repo-')]);
});
afterAll(async () => {
  await Promise.all([tricky?.cleanup(), home?.cleanup()]);
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);
const nulSplit = (text: string): string[] => text.split('\0').filter(Boolean);

describe('GitFleet: one repository, checked against the git CLI', () => {
  it('history, blame, branches, files, staged diff and the report', async () => {
    const gf = createGitFleet({ cache: false });
    try {
      const commits: Commit[] = await collect(gf.history(tricky.path, { all: true, files: true }));
      expect(commits.map((c) => c.sha)).toEqual(lines(await gitText(tricky.path, ['rev-list', '--all'])));
      const numstat = lines(await gitText(tricky.path, ['log', '-1', '--numstat', '--format=', commits[0]!.sha])).map((l) => l.split('\t'));
      expect(commits[0]!.additions).toBe(numstat.reduce((sum, [a]) => sum + (a === '-' ? 0 : Number(a)), 0));

      const porcelain = await gitText(tricky.path, ['blame', '--line-porcelain', 'HEAD', '--', 'lib/util.c']);
      const [util]: BlameFileResult[] = await collect(gf.blame(tricky.path, { paths: ['lib/util.c'] }));
      expect(util!.lines.map((l) => l.commit)).toEqual(lines(porcelain).filter((l) => /^[0-9a-f]{40} /.test(l)).map((l) => l.slice(0, 40)));
      const summary = await gf.blameSummary(tricky.path, { paths: ['lib/util.c'] });
      expect(summary.authors.reduce((sum, a) => sum + a.lines, 0)).toBe(util!.lines.length);
      let chunked = 0;
      for await (const chunk of gf.blameChunks(tricky.path, { paths: ['lib/util.c'] })) chunked += chunk.lines.length;
      expect(chunked).toBe(util!.lines.length);

      // Branches, not symbolic refs such as origin/HEAD.
      const refs = lines(await gitText(tricky.path, ['for-each-ref', '--format=%(refname) %(symref)', 'refs/heads', 'refs/remotes']));
      expect((await gf.branches(tricky.path)).map((b) => b.ref).sort()).toEqual(refs.filter((r) => r.endsWith(' ')).map((r) => r.trim()).sort());
      expect((await gf.files(tricky.path)).map((f) => f.path).sort()).toEqual(nulSplit(await gitText(tricky.path, ['ls-tree', '-r', '-z', '--name-only', 'HEAD'])).sort());
      const staged = await gf.stagedDiff(tricky.path);
      expect(staged.files.map((f) => f.path).sort()).toEqual(nulSplit(await gitText(tricky.path, ['diff', '--cached', '--name-only', '-z'])).sort());

      const report = await gf.analyze(tricky.path, { topFiles: 3 });
      expect(report.commits.count).toBe(lines(await gitText(tricky.path, ['rev-list', 'HEAD'])).length);
      expect(report.churn).toHaveLength(3);
    } finally {
      await gf.close();
    }
  });

  it('repositories share the GitFleet engines: a warm es-git engine serves every repository it opens', async () => {
    const gf = createGitFleet({ cache: false });
    try {
      const before = await gf.openRepository(tricky.path);
      expect((await before.capabilities('branches')).engine).toBe('git');
      await before.close();
      // `auto` runs branches on es-git once the set's es-git workers are up (AUTO_CHOICE).
      await gf.engines.get('es-git');
      const repo = await gf.openRepository(tricky.path);
      expect((await repo.capabilities('branches')).engine).toBe('es-git');
      expect((await repo.branches()).map((b) => b.ref).sort()).toEqual((await gf.branches(tricky.path)).map((b) => b.ref).sort());
      await repo.close();
      // Closing a repository leaves the shared engines running for the next one.
      const next = await gf.openRepository(tricky.path, { engine: 'es-git' });
      expect((await next.files(['*.md'])).length).toBeGreaterThan(0);
    } finally {
      await gf.close();
    }
  });

  it('results go to the cache directory given, and nowhere with cache: false', async () => {
    const dir = join(home.path, 'cache');
    for (const cache of [false, dir] as const) {
      const gf = createGitFleet({ cache, env: { GITFLEET_CACHE_DIR: join(home.path, 'env-cache') } });
      try {
        expect(gf.cache).toEqual(cache === false ? false : { dir, maxSize: 1024 ** 3 });
        await collect(gf.history(tricky.path, { maxCount: 5 }));
      } finally {
        await gf.close();
      }
    }
    expect(await readdir(dir)).toContain('history');
    expect(await readdir(join(home.path, 'env-cache')).catch(() => [])).toEqual([]);
    expect(createGitFleet({ env: { GITFLEET_CACHE_DIR: '/x', GITFLEET_CACHE_MAX_SIZE: '2M' } }).cache).toEqual({ dir: '/x', maxSize: 2 * 1024 ** 2 });
    expect(() => createGitFleet({ cache: { maxSize: -1 } })).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_INVALID_OPTION' }));
  });

  it('after close() every call says so, and close() is idempotent', async () => {
    const gf = createGitFleet({ cache: false });
    const open = await gf.openRepository(tricky.path);
    await Promise.all([gf.close(), gf.close()]);
    await gf[Symbol.asyncDispose]();
    expect(gf.closed).toBe(true);
    expect(() => gf.history(tricky.path)).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_CLOSED', message: 'history: this GitFleet is closed' }));
    await expect(gf.branches(tricky.path)).rejects.toMatchObject({ code: 'GITFLEET_SDK_CLOSED' });
    await expect(gf.openRepository(tricky.path)).rejects.toMatchObject({ code: 'GITFLEET_SDK_CLOSED' });
    expect(() => gf.credentials()).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_CLOSED' }));
    await open.close();
  });

  it('a path that is not a repository is a typed error', async () => {
    const gf = createGitFleet({ cache: false });
    try {
      await expect(gf.branches(home.path)).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
      await expect(collect(gf.history(home.path))).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
    } finally {
      await gf.close();
    }
  });
});
