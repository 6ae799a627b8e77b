// The analysis report against the git CLI: identities, churn through renames, big files.
import { commitFiles, createEmptyRepo, createTrickyRepo, git, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRepository, EngineSet, openRepository, summarizeBlame, type EngineName } from '../src/index.js';
import { oracleFiles } from './oracle.js';

let tricky: TrickyRepo;
let aliases: TempRepo;
const engines = new EngineSet({ maxThreads: 2 });

const at = (name: string, email: string, time: number) => ({ name, email, date: `${time} +0000` });

beforeAll(async () => {
  tricky = await createTrickyRepo();
  // One person, two spellings of their name (and of their email's case), no .mailmap.
  aliases = await createEmptyRepo();
  const old = at('sam', 'Sam@Example.com', 1_700_000_000);
  const recent = at('Sam Smith', 'sam@example.com', 1_700_100_000);
  await commitFiles(aliases.path, { 'a.txt': 'one\ntwo\nthree\n' }, { message: 'a', author: old, committer: old });
  await commitFiles(aliases.path, { 'b.txt': 'four\n' }, { message: 'b', author: recent, committer: recent });
});

afterAll(async () => {
  await engines.close();
  await Promise.all([tricky?.cleanup(), aliases?.cleanup()]);
});

/** Churn of one current path as `git log --follow` sees it (first-parent stats, every commit that touched it). */
async function oracleChurn(repo: string, path: string): Promise<{ commits: number; additions: number; deletions: number }> {
  const args = ['--literal-pathspecs', 'log', '--follow', '--full-history', '--diff-merges=first-parent', '--numstat', '--format=@%H', 'HEAD', '--', path];
  const out = (await git(repo, args)).toString('latin1');
  const churn = { commits: 0, additions: 0, deletions: 0 };
  let counted = true;
  for (const line of out.split('\n')) {
    if (line.startsWith('@')) counted = false;
    const m = /^(\d+|-)\t(\d+|-)\t/.exec(line);
    if (!m) continue;
    if (!counted) churn.commits++;
    counted = true;
    churn.additions += m[1] === '-' ? 0 : Number(m[1]);
    churn.deletions += m[2] === '-' ? 0 : Number(m[2]);
  }
  return churn;
}

describe.each(['git', 'es-git'] as EngineName[])('analyze, engine %s', (engine) => {
  const open = (path: string) => openRepository(path, { engine, engines, cache: false });

  it('one identity gets one name and email in the authors and ownership sections', async () => {
    const report = await analyzeRepository(await open(aliases.path));
    expect(report.authors.map((a) => [a.name, a.email, a.commits, a.lines])).toEqual([['Sam Smith', 'sam@example.com', 2, 4]]);
    expect(report.ownership.authors.map((a) => [a.name, a.email, a.lines])).toEqual([['Sam Smith', 'sam@example.com', 4]]);
    // The blame summary alone names an identity after its newest line.
    const summary = await summarizeBlame((await open(aliases.path)).blame());
    expect(summary.authors.map((a) => [a.name, a.email])).toEqual([['Sam Smith', 'sam@example.com']]);
    expect(summary.byFile.map((f) => f.authors.map((a) => a.name))).toEqual([['Sam Smith'], ['Sam Smith']]);
  });

  it('churn follows renames to the current path and lists only files of the analysed revision, equal to git log --follow', async () => {
    const report = await analyzeRepository(await open(tricky.path), { topFiles: 1000 });
    const current = new Set(await oracleFiles(tricky.path));
    for (const file of report.churn) expect(current.has(file.path), file.path).toBe(true);
    const listed = new Map(report.churn.map((f) => [f.path, f]));
    // Old paths of renamed files and deleted files are not listed on their own.
    for (const gone of ['src/util.c', 'src/util.txt', 'docs/guide.md', 'notes.txt', 'assets/old.bin']) expect(listed.has(gone)).toBe(false);
    const paths = [...current].filter((p) => !p.startsWith('sub'));
    for (const path of paths) {
      const oracle = await oracleChurn(tricky.path, path);
      const ours = listed.get(path);
      expect([path, ours ? { commits: ours.commits, additions: ours.additions, deletions: ours.deletions } : undefined]).toEqual([
        path,
        oracle.commits === 0 ? undefined : oracle,
      ]);
    }
    // lib/util.c carries src/util.c's history from before the move: created with 30 lines, one
    // line patched, 5 lines tuned in the move, one line edited on main, 30 lines added by the merge.
    expect(listed.get(tricky.facts.movedPath)).toEqual({ path: 'lib/util.c', commits: 5, additions: 67, deletions: 7, churn: 74 });
  });

  it('since/until select the commits git selects; excludePaths leaves files out of ownership and churn', async () => {
    const times = (await git(tricky.path, ['log', '--format=%ct', 'HEAD'])).toString().trim().split('\n').map(Number).sort((a, b) => a - b);
    const since = times[Math.floor(times.length / 3)]!;
    const until = times[Math.floor((2 * times.length) / 3)]!;
    const oracle = (await git(tricky.path, ['rev-list', `--since=${String(since)}`, `--until=${String(until)}`, 'HEAD'])).toString().trim().split('\n');
    const windowed = await analyzeRepository(await open(tricky.path), { since, until });
    expect(windowed.commits.count).toBe(oracle.length);
    expect(windowed.authors.reduce((n, a) => n + a.commits, 0)).toBe(oracle.length);
    const none = await analyzeRepository(await open(tricky.path), { since: times.at(-1)! + 86_400 });
    expect([none.commits.count, none.commits.first, none.commits.last]).toEqual([0, null, null]);

    const whole = await analyzeRepository(await open(tricky.path), { topFiles: 1000 });
    const cut = await analyzeRepository(await open(tricky.path), { topFiles: 1000, excludePaths: ['lib/**'] });
    const libLines = (await summarizeBlame((await open(tricky.path)).blame({ paths: ['lib/**'] }))).totalLines;
    expect(libLines).toBeGreaterThan(0);
    expect(cut.ownership.totalLines).toBe(whole.ownership.totalLines - libLines);
    expect(cut.churn.map((f) => f.path)).toEqual(whole.churn.filter((f) => !f.path.startsWith('lib/')).map((f) => f.path));
    expect(cut.commits).toEqual(whole.commits);
  });

  it('a file above maxFileSize is skipped with a per-file error naming it; the rest is reported', async () => {
    const repo = await open(tricky.path);
    const report = await analyzeRepository(repo, { maxFileSize: 2000 });
    const big = report.ownership.skipped.find((s) => s.path === 'src/big.txt');
    expect(big).toMatchObject({ path: 'src/big.txt', code: 'GITFLEET_GIT_FILE_TOO_LARGE' });
    expect(big!.message).toMatch(/^src\/big\.txt: [\d.]+ KB, larger than the 1.95 KB blame limit/);
    expect(report.ownership.files).toBeGreaterThan(20);
    expect(report.ownership.totalLines).toBeGreaterThan(50);
  });
});
