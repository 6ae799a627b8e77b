// One-pass ownership against the oracle: every line's commit equals `git blame`'s, and the
// summary equals summarizeBlame over per-file blame, on the tricky fixture, generated
// repositories and hand-made merges; plus the incremental walk from a cached state.
import {
  commitFiles,
  createEmptyRepo,
  createTempDir,
  createTrickyRepo,
  generateLargeRepo,
  git,
  gitText,
  type Identity,
  type LargeRepo,
  type TempDir,
  type TempRepo,
  type TrickyRepo,
} from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { createCliEngine } from '../src/engines/cli/engine.js';
import { computeOwnership } from '../src/ownership/ownership.js';
import { DEFAULT_MAX_BLAME_FILE_SIZE, InvalidOptionError, openRepository, summarizeBlame, UnknownRevisionError, type OwnershipResult, type Repository } from '../src/index.js';
import { oracleBlame, oracleBlameLines } from './oracle.js';

let tricky: TrickyRepo;
let large: LargeRepo;
let merges: TempRepo;
let renames: TempRepo;
let cacheDir: TempDir;

const who = (name: string, at: number): Identity => ({ name, email: `${name.toLowerCase()}@example.com`, date: `${1_700_000_000 + at * 3600} +0000` });

/**
 * Merges blame decides line by line: a conflict resolved by hand, an evil merge, a file renamed on
 * one side and edited on the other (merged through the rename), a line both sides added
 * identically, a merge taking the side branch's file whole, and an octopus.
 */
async function createMergeRepo(): Promise<TempRepo> {
  const repo = await createEmptyRepo();
  const p = repo.path;
  const lines = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n') + '\n';
  let t = 0;
  const commit = (files: Parameters<typeof commitFiles>[1], name: string, message: string): Promise<string> =>
    commitFiles(p, files, { message, author: who(name, ++t) });
  const merge = async (branches: string[], name: string, edit?: Parameters<typeof commitFiles>[1]): Promise<void> => {
    const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: `${name}@example.com`, GIT_AUTHOR_DATE: `${1_700_000_000 + ++t * 3600} +0000`, GIT_COMMITTER_DATE: `${1_700_000_000 + t * 3600} +0000` };
    const clean = await git(p, ['merge', '--no-ff', '--no-edit', '-q', ...branches], { env }).then(() => true, () => false);
    if (edit) await commitFiles(p, edit, { message: `merge ${branches.join(' ')}`, author: who(name, t) });
    else if (!clean) throw new Error('unexpected conflict');
    if (edit && clean) await git(p, ['commit', '--amend', '--no-edit', '-q'], { env });
  };
  await commit({ 'a.txt': lines(30, 'a'), 'b.txt': lines(20, 'b'), 'old/name.txt': lines(40, 'n'), 'c.txt': lines(10, 'c') }, 'Ann', 'root');
  // 1. Conflict on a.txt, resolved by hand; b.txt changed on the side only.
  await git(p, ['switch', '-q', '-c', 'side']);
  await commit({ 'a.txt': lines(30, 'a').replace('a line 10\n', 'side ten\n'), 'b.txt': lines(20, 'b').replace('b line 3\n', 'side three\nside extra\n') }, 'Sid', 'side edits');
  await git(p, ['switch', '-q', 'main']);
  await commit({ 'a.txt': lines(30, 'a').replace('a line 10\n', 'main ten\n') }, 'Mia', 'main edit');
  await merge(['side'], 'Max', { 'a.txt': lines(30, 'a').replace('a line 10\n', 'resolved ten\n').replace('a line 20\n', 'evil twenty\n') });
  // 2. Rename on main, edit on the side, merged through the rename; both add the same line to c.txt.
  await git(p, ['switch', '-q', '-c', 'side2']);
  await commit({ 'old/name.txt': lines(40, 'n').replace('n line 5\n', 'side five\n'), 'c.txt': lines(10, 'c') + 'same new line\n' }, 'Sid', 'side2 edits');
  await git(p, ['switch', '-q', 'main']);
  await commit(
    { 'old/name.txt': null, 'new/name.txt': lines(40, 'n').replace('n line 30\n', 'main thirty\n'), 'c.txt': lines(10, 'c') + 'same new line\n' },
    'Mia',
    'rename on main',
  );
  await merge(['side2'], 'Max');
  // 3. An octopus of three branches editing different files.
  for (const [branch, file] of [['o1', 'a.txt'], ['o2', 'b.txt'], ['o3', 'c.txt']] as const) {
    await git(p, ['switch', '-q', '-c', branch, 'main']);
    const text = await gitText(p, ['show', `HEAD:${file}`]);
    await commit({ [file]: `${branch} first\n${text}` }, 'Oct', `${branch}`);
  }
  await git(p, ['switch', '-q', 'main']);
  await merge(['o1', 'o2', 'o3'], 'Max');
  // 4. A branch whose file the merge takes whole.
  await git(p, ['switch', '-q', '-c', 'whole']);
  await commit({ 'b.txt': 'rewritten\n' }, 'Sid', 'rewrite b');
  await git(p, ['switch', '-q', 'main']);
  await commit({ 'a.txt': `${await gitText(p, ['show', 'HEAD:a.txt'])}tail\n` }, 'Mia', 'tail');
  await merge(['whole'], 'Max');
  // 5. A line deleted on main right before a line every parent has, and a line the side added
  // right after it: `-c -U0` leaves that shared line out of the hunk but starts the hunk's range
  // at it, one line early (combine-diff.c "null context"); blame's plain diffs do not.
  const base = Array.from({ length: 12 }, (_, i) => `d line ${i + 1}`);
  await commit({ 'd.txt': base.join('\n') + '\n' }, 'Ann', 'add d');
  await git(p, ['switch', '-q', '-c', 'null-context']);
  await commit({ 'd.txt': [...base.slice(0, 4), 'side line', ...base.slice(4)].join('\n') + '\n' }, 'Sid', 'side adds a line');
  await git(p, ['switch', '-q', 'main']);
  await commit({ 'd.txt': [...base.slice(0, 3), 'main line', ...base.slice(3)].join('\n') + '\n' }, 'Mia', 'main adds a line');
  const merged = [...base.slice(0, 4), 'side line', ...base.slice(4)];
  merged[10] = 'evil line';
  await git(p, ['merge', '--no-ff', '--no-commit', '-q', 'null-context']);
  await commitFiles(p, { 'd.txt': merged.join('\n') + '\n' }, { message: 'merge null-context, one line evil', author: who('Max', ++t) });
  return repo;
}

/**
 * Renames that git blame follows file by file (blame.c find_rename: the best deleted source for
 * that one file), where a commit's own rename detection pairs sources and destinations one to
 * one: a deleted file copied twice (the weaker copy is "added" to git log, a rename to blame);
 * two sources contested by two destinations; and a merge through such a copy on the side parent.
 */
async function createRenameRepo(): Promise<TempRepo> {
  const repo = await createEmptyRepo();
  const p = repo.path;
  const base = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`);
  const text = (list: string[]): string => list.join('\n') + '\n';
  const edit = (list: string[], at: number[], tag: string): string[] => list.map((l, i) => (at.includes(i) ? `${tag} ${i}` : l));
  let t = 0;
  const commit = (files: Parameters<typeof commitFiles>[1], name: string, message: string): Promise<string> =>
    commitFiles(p, files, { message, author: who(name, ++t) });
  const x = base(100, 'x');
  const s1 = base(100, 's');
  const s2 = edit(s1, Array.from({ length: 40 }, (_, i) => i * 2 + 1), 'other');
  await commit({ 'x.txt': text(x), 's1.txt': text(s1), 's2.txt': text(s2), 'keep.txt': text(base(10, 'k')) }, 'Ann', 'root');
  // One source, two copies: y1 is git log's rename, y2 blame's.
  await commit(
    { 'x.txt': null, 'y1.txt': text(edit(x, [4], 'one')), 'y2.txt': text(edit(x, [10, 11, 12, 13, 14, 15, 16, 17], 'two')), 'new.txt': text(base(30, 'new')) },
    'Bob',
    'copy x twice',
  );
  // Two sources, two destinations: d2's best source is s1, which git log gives to d1.
  await commit({ 's1.txt': null, 's2.txt': null, 'd1.txt': text(edit(s1, [3], 'd1')), 'd2.txt': text(edit(s1, [5, 6, 7, 8, 9], 'd2')) }, 'Cy', 'contest');
  // A merge whose side parent has z.txt, gone in the merge, copied twice on main; the merge puts
  // back into w2.txt lines only the side's z.txt has.
  const z = base(60, 'z');
  await commit({ 'z.txt': text(z) }, 'Ann', 'add z');
  await git(p, ['switch', '-q', '-c', 'side']);
  await commit({ 'keep.txt': text(base(11, 'k')) }, 'Sid', 'side edit');
  await git(p, ['switch', '-q', 'main']);
  await commit({ 'z.txt': null, 'w1.txt': text(edit(z, [2], 'w1')), 'w2.txt': text(edit(z, [20, 21, 22, 23, 24, 25], 'w2').slice(0, 50)) }, 'Mia', 'copy z twice');
  const env = { GIT_AUTHOR_NAME: 'Max', GIT_AUTHOR_EMAIL: 'max@example.com', GIT_AUTHOR_DATE: `${1_700_000_000 + ++t * 3600} +0000`, GIT_COMMITTER_DATE: `${1_700_000_000 + t * 3600} +0000` };
  await git(p, ['merge', '--no-ff', '--no-edit', '-q', '--no-commit', 'side'], { env });
  await commitFiles(p, { 'w2.txt': text(edit(z, [20, 21, 22, 23, 24, 25], 'w2')) }, { message: 'merge side, w2 whole again', author: who('Max', t) });
  return repo;
}

beforeAll(async () => {
  [tricky, large, merges, renames, cacheDir] = await Promise.all([
    createTrickyRepo(),
    generateLargeRepo({ commits: 1000, files: 100, mergeEvery: 40, renameEvery: 70, binaryEvery: 200, seed: 11 }),
    createMergeRepo(),
    createRenameRepo(),
    createTempDir('gitfleet-ownership-cache-'),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([tricky?.cleanup(), large?.cleanup(), merges?.cleanup(), renames?.cleanup(), cacheDir?.cleanup()]);
});

/** Lines whose commit differs from `git blame`'s, per file. */
async function differences(path: string, own: OwnershipResult): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const file of own.byFile) {
    const oracle = (await oracleBlame(path, own.head!, file.path)).map(([commit]) => commit);
    const ours = file.commits ?? [];
    let differ = Math.abs(oracle.length - ours.length);
    for (let i = 0; i < Math.min(oracle.length, ours.length); i++) if (oracle[i] !== ours[i]) differ++;
    if (differ > 0) out[file.path] = differ;
  }
  return out;
}

async function withRepo<T>(path: string, run: (repo: Repository) => Promise<T>, cache: false | string = false): Promise<T> {
  const repo = await openRepository(path, { engine: 'git', cache });
  try {
    return await run(repo);
  } finally {
    await repo.close();
  }
}

describe('ownership', () => {
  for (const [name, get] of [
    ['tricky fixture', () => tricky.path],
    ['generated repository', () => large.path],
    ['hand-made merges', () => merges.path],
    ['renames blame follows file by file', () => renames.path],
  ] as const) {
    it(`${name}: every line's commit equals git blame's, and the summary equals summarizeBlame's`, async () => {
      await withRepo(get(), async (repo) => {
        const own = await repo.ownership({ lineCommits: true });
        expect(own.files).toBeGreaterThan(3);
        expect(await differences(get(), own)).toEqual({});
        const blamed = await summarizeBlame(repo.blameChunks());
        expect({ ...own, byFile: own.byFile.map(({ commits: _, ...f }) => f) }).toMatchObject({
          totalLines: blamed.totalLines,
          files: blamed.files,
          authors: blamed.authors,
          byFile: blamed.byFile,
          errors: blamed.errors,
        });
      });
    });
  }

  it('the walk attributes merges itself, asking git only for a merge through a rename; binaries go to git blame', async () => {
    await withRepo(merges.path, async (repo) => {
      const own = await repo.ownership();
      expect(own.walk.merges).toBe(5);
      // new/name.txt: renamed on main, edited on the side. -c runs without renames, so the walk
      // asks git for the rename and the blob diffs of that one file.
      expect(own.walk.unknown).toEqual({ binary: 0, inconsistent: 0, 'merge-rename': 0, boundary: 0 });
      expect(own.walk.repaired).toEqual({ combined: 0, 'merge-rename': 1, patch: 0, follow: 0 });
      expect(own.walk.blamedFiles).toBe(0);
    });
    await withRepo(large.path, async (repo) => {
      const own = await repo.ownership();
      expect(own.walk.unknown.inconsistent).toBe(0);
      expect(own.walk.blamedFiles).toBe(own.errors.filter((e) => e.code === 'GITFLEET_GIT_BINARY_FILE').length);
    });
  });

  it('a file blame follows to another source than the commit\'s rename pairing is diffed from blame\'s source', async () => {
    await withRepo(renames.path, async (repo) => {
      const own = await repo.ownership();
      // y2.txt, d2.txt and w2.txt on main; w2.txt again in the merge, through the side parent's z.txt.
      expect(own.walk.repaired).toEqual({ combined: 0, 'merge-rename': 1, patch: 0, follow: 3 });
      expect(own.walk.unknown).toEqual({ binary: 0, inconsistent: 0, 'merge-rename': 0, boundary: 0 });
    });
  });

  it('shards of any size give the same attribution', async () => {
    await withRepo(large.path, async (repo) => {
      const whole = await repo.ownership({ lineCommits: true, shardSize: 100_000 });
      for (const shardSize of [7, 150]) {
        expect(await repo.ownership({ lineCommits: true, shardSize, concurrency: 3 }), `shards of ${shardSize}`).toEqual(whole);
      }
    });
  });

  it('fileCommits: each file\'s lines per commit, in the order of their first line, with the authors git blame names', async () => {
    await withRepo(tricky.path, async (repo) => {
      const own = await repo.ownership({ lineCommits: true, fileCommits: true });
      for (const file of own.byFile) {
        const order = [...new Set(file.commits)];
        expect(file.byCommit!.map((c) => c.commit), file.path).toEqual(order);
        expect(file.byCommit!.map((c) => c.lines)).toEqual(order.map((sha) => file.commits!.filter((c) => c === sha).length));
        const oracle = new Map((await oracleBlameLines(tricky.path, own.head!, file.path)).map((l) => [l.commit, [l.authorName, l.authorEmail, l.authorTime]]));
        for (const c of file.byCommit!) expect([c.authorName, c.authorEmail, c.authorTime], file.path).toEqual(oracle.get(c.commit));
      }
    });
  });

  it('paths, exclude and maxFileSize select files as blame does', async () => {
    await withRepo(tricky.path, async (repo) => {
      const own = await repo.ownership({ paths: ['src', 'docs/*.md', 'missing.txt'], exclude: ['src/big.txt'], maxFileSize: 40 });
      const blamed = await summarizeBlame(repo.blameChunks({ paths: ['src', 'docs/*.md', 'missing.txt'], maxFileSize: 40 }));
      expect(own.byFile.map((f) => f.path)).toEqual(blamed.byFile.map((f) => f.path).filter((p) => p !== 'src/big.txt'));
      expect(own.errors).toEqual(blamed.errors.filter((e) => e.path !== 'src/big.txt'));
      expect(own.errors.map((e) => e.code)).toContain('GITFLEET_GIT_PATH_NOT_FOUND');
      expect(own.errors.map((e) => e.code)).toContain('GITFLEET_GIT_FILE_TOO_LARGE');
    });
  });

  it('incremental: continues from the cached state of an ancestor, replaying only the new commits', async () => {
    const dir = `${cacheDir.path}/incremental`;
    const oldHead = (await gitText(large.path, ['rev-parse', 'main~200'])).trim();
    const fresh = await withRepo(large.path, (repo) => repo.ownership({ lineCommits: true }));
    const first = await withRepo(large.path, (repo) => repo.ownership({ rev: oldHead }), dir);
    expect(first.walk.continuedFrom).toBeNull();
    const second = await withRepo(large.path, (repo) => repo.ownership({ lineCommits: true }), dir);
    expect(second.walk.continuedFrom).toBe(oldHead);
    const newCommits = Number((await gitText(large.path, ['rev-list', '--count', `${oldHead}..main`])).trim());
    expect(second.walk.commits).toBe(newCommits);
    expect(second.walk.commits).toBeLessThan(first.walk.commits / 3);
    expect({ ...second, walk: undefined }).toEqual({ ...fresh, walk: undefined });
    // Unchanged: no walk at all.
    const third = await withRepo(large.path, (repo) => repo.ownership(), dir);
    expect(third.walk).toMatchObject({ commits: 0, continuedFrom: fresh.head });
    expect(third.authors).toEqual(fresh.authors);
  });

  it('incremental: a merge of a branch forked before the cached commit stays exact', async () => {
    const dir = `${cacheDir.path}/boundary`;
    const repo = await createEmptyRepo();
    try {
      const p = repo.path;
      const body = (tag: string): string => Array.from({ length: 12 }, (_, i) => `${tag} ${i}`).join('\n') + '\n';
      await commitFiles(p, { 'x.txt': body('x'), 'y.txt': body('y') }, { message: 'root', author: who('Ann', 1) });
      await git(p, ['branch', 'topic']);
      await commitFiles(p, { 'x.txt': body('x').replace('x 3', 'main 3') }, { message: 'main', author: who('Mia', 2) });
      await withRepo(p, (r) => r.ownership(), dir); // caches main's state
      await git(p, ['switch', '-q', 'topic']);
      await commitFiles(p, { 'y.txt': body('y').replace('y 7', 'topic 7') }, { message: 'topic', author: who('Tom', 3) });
      await git(p, ['switch', '-q', 'main']);
      await git(p, ['merge', '-q', '--no-ff', '--no-edit', 'topic']);
      const own = await withRepo(p, (r) => r.ownership({ lineCommits: true }), dir);
      expect(own.walk.continuedFrom).not.toBeNull();
      expect(await differences(p, own)).toEqual({});
      expect(own.authors.map((a) => [a.name, a.lines])).toEqual([['Ann', 22], ['Mia', 1], ['Tom', 1]]);
    } finally {
      await repo.cleanup();
    }
  });

  it('an empty repository has no ownership; an unknown revision and an abort fail', async () => {
    const empty = await createEmptyRepo();
    try {
      const own = await withRepo(empty.path, (repo) => repo.ownership());
      expect(own).toMatchObject({ head: null, totalLines: 0, files: 0 });
      await expect(withRepo(empty.path, (repo) => repo.ownership({ rev: 'nope' }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_UNKNOWN_REVISION' });
    } finally {
      await empty.cleanup();
    }
    await withRepo(large.path, async (repo) => {
      const controller = new AbortController();
      const run = repo.ownership({ signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(run).rejects.toMatchObject({ code: 'GITFLEET_GIT_ABORTED' });
    });
  });

  it('runs in a worker thread: the caller\'s event loop stays free; results, progress and typed errors come back', async () => {
    // Event-loop utilization over the call: the share of the time this thread was busy. The same
    // walk run on this thread (computeOwnership, what repo.ownership() did before) keeps it busy.
    const busy = async <T>(run: () => Promise<T>): Promise<[number, T]> => {
      const start = performance.eventLoopUtilization();
      const result = await run();
      return [performance.eventLoopUtilization(start).utilization, result];
    };
    const stages = new Set<string>();
    const engine = createCliEngine();
    const location = await engine.open(large.path);
    const inThisThread = () => computeOwnership({ engine, repo: location, cache: undefined, mailmapFingerprint: () => Promise.resolve(''), defaultMaxFileSize: DEFAULT_MAX_BLAME_FILE_SIZE });
    const [inline, expected] = await busy(inThisThread);
    const [threaded, own] = await busy(() => withRepo(large.path, (repo) => repo.ownership({ onProgress: (stage) => stages.add(stage) })));
    expect(own).toEqual(expected);
    expect(stages.has('walk')).toBe(true);
    expect(threaded).toBeLessThan(0.25);
    expect(inline).toBeGreaterThan(2 * threaded);
    await engine.close();
    // Errors cross the thread as the classes they were.
    const error = await withRepo(large.path, (repo) => repo.ownership({ rev: 'no-such-rev' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownRevisionError);
    expect(error).toMatchObject({ code: 'GITFLEET_GIT_UNKNOWN_REVISION', message: 'unknown revision: no-such-rev', data: { rev: 'no-such-rev' } });
    await expect(withRepo(large.path, (repo) => repo.ownership({ concurrency: 0 }))).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
