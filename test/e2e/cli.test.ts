import { createEmptyRepo, createTempDir, createTrickyRepo, git, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, text } from './cli.js';

let tricky: TrickyRepo;
let empty: TempRepo;
let cacheDir: Awaited<ReturnType<typeof createTempDir>>;
const env = (): Record<string, string> => ({ GITFLEET_CACHE_DIR: cacheDir.path });

beforeAll(async () => {
  [tricky, empty, cacheDir] = await Promise.all([createTrickyRepo(), createEmptyRepo(), createTempDir('gitfleet-cache-')]);
});
afterAll(async () => {
  await Promise.all([tricky?.cleanup(), empty?.cleanup(), cacheDir?.cleanup()]);
});

describe('gitfleet commits', () => {
  it('ndjson: one commit per line with the documented fields, equal to git log', async () => {
    const r = await runCli(['commits', tricky.path, '--format', 'ndjson'], { env: env() });
    expect(r.code).toBe(0);
    const commits = ndjson(r);
    const shas = (await git(tricky.path, ['log', '--format=%H'])).toString().trim().split('\n');
    expect(commits.map((c) => c['sha'])).toEqual(shas);
    expect(Object.keys(commits[0]!)).toEqual([
      'repoName', 'sha', 'parents', 'isMerge', 'message', 'summary', 'author', 'committer', 'additions', 'deletions', 'filesChanged',
    ]);
    expect(commits[0]!['author']).toMatchObject({ name: expect.any(String), email: expect.any(String), timestamp: expect.any(Number), tzOffset: expect.any(Number) });
  });

  it('--files adds per-file changes; --max-count and --rev filter like git', async () => {
    const r = await runCli(['commits', tricky.path, '-f', 'json', '--files', '--max-count', '3', '--rev', 'feature/x'], { env: env() });
    expect(r.code).toBe(0);
    const commits = JSON.parse(text(r)) as { sha: string; files: unknown[] }[];
    const expected = (await git(tricky.path, ['log', '--format=%H', '-n3', 'feature/x'])).toString().trim().split('\n');
    expect(commits.map((c) => c.sha)).toEqual(expected);
    expect(commits.every((c) => Array.isArray(c.files))).toBe(true);
  });

  it('csv has a header and a row per commit', async () => {
    const r = await runCli(['commits', tricky.path, '--format', 'csv', '-n', '5'], { env: env() });
    const lines = text(r).trim().split('\n');
    expect(lines[0]).toMatch(/^repoName,sha,parents,isMerge,message,summary,author\.name,author\.email/);
    expect(lines.length).toBeGreaterThanOrEqual(6);
  });
});

describe('gitfleet blame', () => {
  it('ndjson: a file per line with per-line records; errors inline; exit 1 for a missing path', async () => {
    const r = await runCli(['blame', tricky.path, 'README.md', 'missing.txt', '--format', 'ndjson'], { env: env() });
    expect(r.code).toBe(1);
    const files = ndjson<{ path: string; error?: { code: string }; lines: Record<string, unknown>[] }>(r);
    expect(files.map((f) => f.path)).toEqual(['README.md', 'missing.txt']);
    expect(files[1]!.error!.code).toBe('GITFLEET_GIT_PATH_NOT_FOUND');
    expect(Object.keys(files[0]!.lines[0]!)).toEqual([
      'line', 'commit', 'origLine', 'origPath', 'authorName', 'authorEmail', 'authorTime', 'authorTzOffset', 'content',
    ]);
  });

  it('--summary gives surviving lines per author; a re-run is served from the cache', async () => {
    const first = await runCli(['blame', tricky.path, '--summary', '--format', 'json'], { env: env() });
    expect(first.code).toBe(0);
    const summary = JSON.parse(text(first)) as { totalLines: number; authors: { lines: number }[] };
    expect(summary.totalLines).toBe(summary.authors.reduce((n, a) => n + a.lines, 0));
    const again = await runCli(['blame', tricky.path, '--summary', '--format', 'json'], { env: env() });
    expect(text(again)).toBe(text(first));
  });
});

describe('gitfleet branches, files, diff', () => {
  it('branches json lists local and remote branches with the head flag', async () => {
    const r = await runCli(['branches', tricky.path, '-f', 'json'], { env: env() });
    const branches = JSON.parse(text(r)) as { name: string; isHead: boolean; kind: string }[];
    expect(branches.find((b) => b.isHead)!.name).toBe('main');
    expect(branches.some((b) => b.kind === 'remote')).toBe(true);
  });

  it('files lists tracked paths matching the globs (json), one per line (table)', async () => {
    // At a revision (HEAD), not the index: compare with ls-tree.
    const tree = await git(tricky.path, ['ls-tree', '-r', '-z', '--name-only', 'HEAD']);
    const expected = tree.toString('utf8').split('\0').filter((p) => p.endsWith('.md'));
    const json = await runCli(['files', tricky.path, '**/*.md', '-f', 'json'], { env: env() });
    expect((JSON.parse(text(json)) as { path: string }[]).map((f) => f.path).sort()).toEqual(expected.sort());
    const plain = await runCli(['files', tricky.path, 'docs/*'], { env: env() });
    expect(text(plain)).toMatch(/^docs\/user-guide\.md$/m);
  });

  it('diff --staged prints the patch byte-exact, like git diff --cached', async () => {
    const r = await runCli(['diff', '--staged', tricky.path], { env: env() });
    const git_ = await git(tricky.path, ['-c', 'core.quotepath=off', 'diff', '--cached', '--no-color', '--src-prefix=a/', '--dst-prefix=b/']);
    expect(r.stdout.equals(git_)).toBe(true);
  });

  it('diff without --staged is a usage error', async () => {
    const r = await runCli(['diff', tricky.path], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--staged/);
  });
});

describe('gitfleet analyze', () => {
  it('prints a readable report and the same data as JSON', async () => {
    const table = await runCli(['analyze', tricky.path], { env: env() });
    expect(table.code).toBe(0);
    expect(text(table)).toMatch(/Commits\s+\d+ \(\d+ merges\)/);
    expect(text(table)).toMatch(/Most-churned files/);
    const json = await runCli(['analyze', tricky.path, '--format', 'json'], { env: env() });
    const report = JSON.parse(text(json)) as { commits: { count: number }; authors: { commits: number }[]; ownership: { totalLines: number } };
    expect(report.commits.count).toBe(tricky.facts.commitCount);
    expect(report.authors.reduce((n, a) => n + a.commits, 0)).toBe(tricky.facts.commitCount);
    expect(report.ownership.totalLines).toBeGreaterThan(0);
  });

  it('an empty repository reports no commits and succeeds', async () => {
    const r = await runCli(['analyze', empty.path], { env: env() });
    expect(r.code).toBe(0);
    expect(text(r)).toMatch(/No commits yet/);
  });
});

describe('errors and exit codes', () => {
  it('not a repository: one line, exit 1', async () => {
    const dir = await createTempDir();
    const r = await runCli(['commits', dir.path], { env: env() });
    await dir.cleanup();
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a git repository/);
  });

  it('unknown revision: one line, exit 1', async () => {
    const r = await runCli(['commits', tricky.path, '--rev', 'nope'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('gitfleet: unknown revision: nope');
  });

  it('usage errors exit 2: unknown option, bad format, bad number', async () => {
    expect((await runCli(['commits', tricky.path, '--bogus'])).code).toBe(2);
    expect((await runCli(['commits', tricky.path, '--format', 'xml'])).code).toBe(2);
    const bad = await runCli(['commits', tricky.path, '--max-count', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/max-count/);
  });

  it('--help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(text(help)).toMatch(/analyze/);
    const version = await runCli(['--version']);
    expect(text(version).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--engine es-git gives the same commits as git', async () => {
    const a = await runCli(['commits', tricky.path, '-f', 'ndjson', '--engine', 'git', '--no-cache']);
    const b = await runCli(['commits', tricky.path, '-f', 'ndjson', '--engine', 'es-git', '--no-cache']);
    expect(b.code).toBe(0);
    expect(ndjson(b).map((c) => c['sha'])).toEqual(ndjson(a).map((c) => c['sha']));
  });
});
