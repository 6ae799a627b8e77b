// es-git engine: history against `git log` on the test-kit's tricky repository and small
// purpose-built repositories.
import { createEmptyRepo, createTrickyRepo, git, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitEngine, RepoLocation } from '../../src/engines/engine.js';
import type { Commit } from '../../src/types.js';
import {
  AUTHOR,
  byPath,
  commitAt,
  engineFiles,
  esGit,
  gitBytes,
  gitOut,
  history,
  lines,
  oracleCommitFiles,
  oracleShasAndParents,
  repoWith,
} from './helpers.js';

let tricky: TrickyRepo;
let engine: GitEngine;
let repo: RepoLocation;
let all: Commit[];

beforeAll(async () => {
  tricky = await createTrickyRepo();
  engine = esGit();
  repo = await engine.open(tricky.path);
  all = await history(engine, repo, { files: true });
});

afterAll(async () => {
  await engine?.close();
  await tricky?.cleanup();
});

const bySha = (sha: string): Commit => {
  const commit = all.find((c) => c.sha === sha);
  if (!commit) throw new Error(`no commit ${sha}`);
  return commit;
};

describe('commit set, order and parents equal git log', () => {
  const cases: [string, { revs?: string[]; all?: boolean }, string[]][] = [
    ['HEAD (default)', {}, ['HEAD']],
    ['--all', { all: true }, ['--all']],
    ['a range a..b', { revs: ['main~12..main'] }, ['main~12..main']],
    ['a symmetric range a...b', { revs: ['feature/x...main~3'] }, ['feature/x...main~3']],
    ['several revisions and ^exclusions', { revs: ['feature/x', 'v1.0', '^main~20'] }, ['feature/x', 'v1.0', '^main~20']],
    ['an empty side of a range means HEAD', { revs: ['origin/main..'] }, ['origin/main..']],
  ];
  it.each(cases)('%s', async (_name, query, args) => {
    const commits = await history(engine, repo, query);
    expect(commits.map((c) => [c.sha, ...c.parents])).toEqual(await oracleShasAndParents(tricky.path, args));
    expect(commits.every((c) => c.isMerge === c.parents.length > 1 && c.repoName === repo.name)).toBe(true);
  });

  it('equal committer timestamps (scripted histories) keep git log order, unlike libgit2 RevwalkSort.Time', async () => {
    const temp = await createEmptyRepo();
    try {
      const at = 1_700_000_000;
      await commitAt(temp.path, { 'a.txt': 'a\n' }, 'root', at);
      await git(temp.path, ['switch', '-q', '-c', 'side']);
      for (const i of [1, 2, 3]) await commitAt(temp.path, { [`side${i}.txt`]: `${i}\n` }, `side ${i}`, at);
      await git(temp.path, ['switch', '-q', 'main']);
      for (const i of [1, 2]) await commitAt(temp.path, { [`main${i}.txt`]: `${i}\n` }, `main ${i}`, at);
      const date = `${at} +0000`;
      await git(temp.path, ['merge', '-q', '--no-ff', '-m', 'merge', 'side'], {
        env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
      const location = await engine.open(temp.path);
      const commits = await history(engine, location, { all: true });
      expect(commits.map((c) => [c.sha, ...c.parents])).toEqual(await oracleShasAndParents(temp.path, ['--all']));
    } finally {
      await temp.cleanup();
    }
  });

  it('clock skew (a child older than its parent) keeps git log order', async () => {
    const temp = await createEmptyRepo();
    try {
      await commitAt(temp.path, { 'a.txt': '1\n' }, 'one', 1_700_000_000);
      await commitAt(temp.path, { 'a.txt': '2\n' }, 'two, committed "before" one', 1_600_000_000);
      await git(temp.path, ['switch', '-q', '-c', 'side', 'HEAD~1']);
      await commitAt(temp.path, { 'b.txt': '1\n' }, 'side', 1_650_000_000);
      const location = await engine.open(temp.path);
      const commits = await history(engine, location, { all: true });
      expect(commits.map((c) => c.sha)).toEqual((await oracleShasAndParents(temp.path, ['--all'])).map(([sha]) => sha));
    } finally {
      await temp.cleanup();
    }
  });
});

describe('stats equal git log --numstat --diff-merges=first-parent', () => {
  it('totals of every commit', async () => {
    const oracle = await oracleCommitFiles(tricky.path, ['HEAD']);
    const totals = (commit: Commit) => [commit.sha, commit.additions, commit.deletions, commit.filesChanged];
    expect(all.map(totals)).toEqual(
      all.map(({ sha }) => {
        const files = oracle.get(sha) ?? [];
        const sum = (key: 'additions' | 'deletions'): number => files.reduce((total, f) => total + (f[key] ?? 0), 0);
        return [sha, sum('additions'), sum('deletions'), files.length];
      }),
    );
  });

  it('totals are the same without files', async () => {
    const plain = await history(engine, repo);
    expect(plain.map((c) => [c.additions, c.deletions, c.filesChanged, c.files])).toEqual(
      all.map((c) => [c.additions, c.deletions, c.filesChanged, undefined]),
    );
  });

  it('per-file status, paths (renames, typechange, unusual names) and counts (binary: -)', async () => {
    const oracle = await oracleCommitFiles(tricky.path, ['HEAD']);
    for (const commit of all) expect([commit.sha, engineFiles(commit)]).toEqual([commit.sha, oracle.get(commit.sha)?.sort(byPath)]);
    const statuses = new Set(all.flatMap((c) => c.files?.map((f) => f.status)));
    expect([...statuses].sort()).toEqual(['added', 'deleted', 'modified', 'renamed', 'typechange']);
  });

  it('renames libgit2 pairs but git scores below 50% are reported as git does (deletion + addition)', async () => {
    const temp = await repoWith([
      { files: { 'a.txt': 'one\ntwo\nthree\nfour\nfive\nsix\n' } },
      { files: { 'a.txt': null, 'b.txt': 'one\nTWO\nthree\nFOUR\nfive\nSIX\nseven\n' } },
    ]);
    try {
      const [latest] = await history(engine, await engine.open(temp.path), { files: true, maxCount: 1 });
      const oracle = await oracleCommitFiles(temp.path, ['-1']);
      expect(engineFiles(latest!)).toEqual(oracle.get(latest!.sha));
    } finally {
      await temp.cleanup();
    }
  });

  it('es-git: a rename only git detects (libgit2 similarity too low) is a deletion plus an addition', async () => {
    // Found by random search: git scores this pair 51%, libgit2's findSimilar does not pair it.
    const before = 'kappa zeta kappa eta\nmu theta eta lambda\ntheta alpha gamma mu kappa\niota\ngamma alpha gamma theta kappa lambda\n';
    const after = 'changed 933\nmu theta eta lambda\nchanged 75\nchanged 846\ngamma alpha gamma theta kappa lambda\n';
    const temp = await repoWith([{ files: { 'a.txt': before } }, { files: { 'a.txt': null, 'b.txt': after } }]);
    try {
      const [latest] = await history(engine, await engine.open(temp.path), { files: true, maxCount: 1 });
      expect(lines(await gitOut(temp.path, ['log', '-1', '--format=', '--name-status']))).toEqual(['R051\ta.txt\tb.txt']);
      expect(latest!.files!.map((f) => [f.status, f.path])).toEqual([
        ['deleted', 'a.txt'],
        ['added', 'b.txt'],
      ]);
      expect([latest!.additions, latest!.deletions]).toEqual([5, 5]); // git: 3 and 3
    } finally {
      await temp.cleanup();
    }
  });
});

describe('metadata', () => {
  /** `%H`, `%B`, `%s` of every commit (NUL-separated, commits split on \x01). */
  async function oracleMessages(): Promise<Map<string, { message: string; summary: string }>> {
    const output = (await gitBytes(tricky.path, ['log', '--format=%x01%H%x00%B%x00%s'])).toString('utf8');
    const result = new Map<string, { message: string; summary: string }>();
    for (const record of output.split('\x01').slice(1)) {
      const [sha, message, summary] = record.split('\0') as [string, string, string];
      // --format terminates each record with a newline after %s.
      result.set(sha, { message, summary: summary.replace(/\n$/, '') });
    }
    return result;
  }

  it('message is %B and summary is %s (UTF-8 commits)', async () => {
    const oracle = await oracleMessages();
    const utf8 = all.filter((c) => !tricky.facts.latin1MessageShas.includes(c.sha));
    expect(utf8.map((c) => [c.sha, c.message, c.summary])).toEqual(utf8.map((c) => [c.sha, oracle.get(c.sha)?.message, oracle.get(c.sha)?.summary]));
    expect(bySha(tricky.facts.shas.twoLineSummary).summary).toBe('Fix the frobnicator when the widget count is zero');
  });

  it('summary follows %s for leading blank lines and indented continuation lines', async () => {
    const temp = await createEmptyRepo();
    try {
      const tree = (await gitOut(temp.path, ['hash-object', '-t', 'tree', '-w', '--stdin'])).trim();
      // Leading blank lines, trailing spaces, an indented second line, a whitespace-only separator, no final newline.
      const raw = `tree ${tree}\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\n\n\n  lead   \n\tsecond\n \nbody without newline`;
      const crafted = (await git(temp.path, ['hash-object', '-t', 'commit', '-w', '--stdin'], { input: raw })).toString().trim();
      await git(temp.path, ['update-ref', 'refs/heads/main', crafted]);
      const [commit] = await history(engine, await engine.open(temp.path));
      const [message, summary] = (await gitOut(temp.path, ['log', '-1', '--format=%B%x00%s'])).split('\0') as [string, string];
      expect([commit!.message, commit!.summary]).toEqual([message, summary.replace(/\n$/, '')]);
    } finally {
      await temp.cleanup();
    }
  });

  it('author and committer name, email and timestamp equal %an %ae %at %cn %ce %ct', async () => {
    const oracle = new Map(
      lines(await gitOut(tricky.path, ['log', '--format=%H%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct'])).map((line) => {
        const [sha, ...rest] = line.split('\0');
        return [sha, rest];
      }),
    );
    const readable = all.filter((c) => c.sha !== tricky.facts.shas.latin1Author);
    const people = (c: Commit) => [c.author.name, c.author.email, `${c.author.timestamp}`, c.committer.name, c.committer.email, `${c.committer.timestamp}`];
    expect(readable.map((c) => [c.sha, ...people(c)])).toEqual(readable.map((c) => [c.sha, ...(oracle.get(c.sha) ?? [])]));
  });

  it('mailmap: names and emails equal %aN %aE %cN %cE', async () => {
    const mapped = await history(engine, repo, { mailmap: true });
    const oracle = new Map(
      lines(await gitOut(tricky.path, ['log', '--format=%H%x00%aN%x00%aE%x00%cN%x00%cE'])).map((line) => {
        const [sha, ...rest] = line.split('\0');
        return [sha, rest];
      }),
    );
    const readable = mapped.filter((c) => c.sha !== tricky.facts.shas.latin1Author);
    expect(readable.map((c) => [c.sha, c.author.name, c.author.email, c.committer.name, c.committer.email])).toEqual(
      readable.map((c) => [c.sha, ...(oracle.get(c.sha) ?? [])]),
    );
    expect(new Set(mapped.map((c) => `${c.author.name} <${c.author.email}>`)).has('dev patel <dpatel@old-corp.example>')).toBe(false);
  });

  it('es-git: tzOffset is null (no offset in libgit2 binding)', () => {
    expect(all.every((c) => c.author.tzOffset === null && c.committer.tzOffset === null)).toBe(true);
  });

  it('es-git: a non-UTF-8 author is U+FFFD name and email with the committer time (es-git throws on the signature)', async () => {
    const commit = bySha(tricky.facts.shas.latin1Author);
    const [name, time, committerTime] = (await gitOut(tricky.path, ['log', '-1', '--format=%an%x00%at%x00%ct', commit.sha])).trim().split('\0');
    expect(name).toContain('Jos'); // git prints the ISO-8859-1 bytes
    expect(commit.author).toEqual({ name: '\uFFFD', email: '\uFFFD', timestamp: Number(committerTime), tzOffset: null });
    expect(Number(time)).toBe(Number(committerTime));
  });

  it('es-git: an ISO-8859-1 message with an encoding header is U+FFFD (git re-encodes it to UTF-8)', async () => {
    const commit = bySha(tricky.facts.shas.latin1EncodingHeader);
    expect(await gitOut(tricky.path, ['log', '-1', '--format=%s', commit.sha])).toBe('Mise à jour: café, crème brûlée\n');
    expect([commit.message, commit.summary]).toEqual(['\uFFFD', '\uFFFD']);
  });

  it('es-git: a raw non-UTF-8 message is U+FFFD (git prints the bytes)', async () => {
    const commit = bySha(tricky.facts.shas.latin1RawMessage);
    expect((await gitBytes(tricky.path, ['log', '-1', '--format=%s', commit.sha])).includes(Buffer.from('fa\xe7ade', 'latin1'))).toBe(true);
    expect([commit.message, commit.summary]).toEqual(['\uFFFD', '\uFFFD']);
  });
});

describe('filters', () => {
  const shas = async (query: Parameters<typeof history>[2]): Promise<string[]> => (await history(engine, repo, query)).map((c) => c.sha);
  const oracle = async (args: string[]): Promise<string[]> => lines(await gitOut(tricky.path, ['log', '--format=%H', ...args]));

  it('since and until as unix seconds and ISO 8601 strings, like --since/--until', async () => {
    const times = all.map((c) => c.committer.timestamp).sort((a, b) => a - b);
    const since = times[10]!;
    const until = times[30]!;
    expect(await shas({ since, until })).toEqual(await oracle([`--since=@${since}`, `--until=@${until}`]));
    const iso = new Date(since * 1000).toISOString();
    expect(await shas({ since: iso })).toEqual(await oracle([`--since=@${since}`]));
    expect(await shas({ since: iso.replace('.000Z', '+00:00') })).toEqual(await oracle([`--since=@${since}`]));
  });

  it('maxCount counts after the other filters, like -n', async () => {
    expect(await shas({ maxCount: 7 })).toEqual(await oracle(['-n', '7']));
    expect(await shas({ maxCount: 3, author: 'Bob' })).toEqual(await oracle(['-n', '3', '--author=Bob']));
  });

  it('author is a regex over "Name <email>", like --author (with and without mailmap)', async () => {
    expect(await shas({ author: '^Carol' })).toEqual(await oracle(['--author=^Carol']));
    expect(await shas({ author: 'example\\.jp>' })).toEqual(await oracle(['--author=example\\.jp>']));
    expect(await shas({ author: 'Dev Patel', mailmap: true })).toEqual(await oracle(['--use-mailmap', '--author=Dev Patel']));
  });

  it.each([[['docs']], [['*.md']], [['src/big.txt', 'assets']]])('paths %j limit non-merge commits and their stats to the pathspec', async (paths) => {
    // Merges differ by design (see the next test).
    const commits = (await history(engine, repo, { paths, files: true, revs: ['main~20..main'] })).filter((c) => !c.isMerge);
    expect(commits.map((c) => c.sha)).toEqual(await oracle(['--no-merges', 'main~20..main', '--', ...paths]));
    const files = await oracleCommitFiles(tricky.path, ['main~20..main', '--', ...paths]);
    for (const commit of commits) expect(engineFiles(commit)).toEqual(files.get(commit.sha)?.sort(byPath));
  });

  it("es-git: paths select commits by their first-parent diff, not git's history simplification", async () => {
    // topic/docs edited docs/guide.md and was merged with --no-ff: git shows the branch commits and hides
    // the merge (TREESAME to its second parent); the first-parent rule keeps the merge as well.
    const ours = await shas({ paths: ['docs/guide.md'] });
    const git = await oracle(['--', 'docs/guide.md']);
    expect(ours.filter((sha) => !git.includes(sha))).toEqual([tricky.facts.mergeShas[0]]);
    expect(git.filter((sha) => !ours.includes(sha))).toEqual([]);
  });

  it('rejects what it cannot evaluate: approxidate strings, bad regexes, unknown revisions', async () => {
    await expect(shas({ since: '2 weeks ago' })).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION', message: expect.stringContaining('es-git') });
    await expect(shas({ author: '(' })).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
    await expect(shas({ revs: ['no-such-branch'] })).rejects.toMatchObject({ code: 'GITFLEET_GIT_UNKNOWN_REVISION', data: { rev: 'no-such-branch' } });
  });
});

describe('empty and unborn repositories', () => {
  let empty: TempRepo;
  beforeAll(async () => {
    empty = await createEmptyRepo();
  });
  afterAll(() => empty.cleanup());

  it('HEAD of an unborn branch is an unknown revision; --all is empty', async () => {
    const location = await engine.open(empty.path);
    await expect(history(engine, location)).rejects.toMatchObject({ code: 'GITFLEET_GIT_UNKNOWN_REVISION' });
    expect(await history(engine, location, { all: true })).toEqual([]);
  });

  it('root commit stats are against the empty tree', async () => {
    const temp = await repoWith([{ files: { 'a.txt': 'x\ny\n', 'b.bin': Buffer.from([0, 1, 2]) } }]);
    try {
      const [root] = await history(engine, await engine.open(temp.path), { files: true });
      expect([root!.additions, root!.deletions, root!.filesChanged, root!.author.name]).toEqual([2, 0, 2, AUTHOR.name]);
      expect(engineFiles(root!)).toEqual((await oracleCommitFiles(temp.path, ['HEAD'])).get(root!.sha));
    } finally {
      await temp.cleanup();
    }
  });
});
