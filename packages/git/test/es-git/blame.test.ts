// es-git engine: blame against `git blame --porcelain`.
import { createTrickyRepo, git, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitEngine, RepoLocation } from '../../src/engines/engine.js';
import type { BlameLine, TreeFile } from '../../src/types.js';
import { blameOf, esGit, gitBytes, oracleBlame, repoWith } from './helpers.js';

let tricky: TrickyRepo;
let engine: GitEngine;
let repo: RepoLocation;
let head: string;
let files: TreeFile[];

beforeAll(async () => {
  tricky = await createTrickyRepo();
  engine = esGit();
  repo = await engine.open(tricky.path);
  head = await engine.resolveCommit(repo, 'HEAD');
  files = await engine.listFiles(repo, head);
});

afterAll(async () => {
  await engine?.close();
  await tricky?.cleanup();
});

/** A blame line without the field git has and es-git lacks (authorTzOffset). */
const comparable = (line: BlameLine) => ({
  line: line.line,
  commit: line.commit,
  origLine: line.origLine,
  origPath: line.origPath,
  authorName: line.authorName,
  authorEmail: line.authorEmail,
  authorTime: line.authorTime,
  content: line.content,
});

describe('blame equals git blame --porcelain', () => {
  it('every text file and symlink at HEAD: commit, line numbers, path, mailmapped author, content', async () => {
    // lib/util.c: libgit2 stops early through a rename across a merge (conformance.test.ts, KNOWN_DIFFERENCES).
    const text = files.filter((f) => !tricky.facts.binaryPaths.includes(f.path) && f.path !== tricky.facts.movedPath);
    expect(text.length).toBeGreaterThan(15);
    for (const file of text) {
      const result = await blameOf(engine, repo, head, file);
      expect(result.error).toBeUndefined();
      expect([file.path, result.lines.map(comparable)]).toEqual([file.path, await oracleBlame(tricky.path, head, file.path)]);
    }
  });

  it('at an older commit, through renames (origPath is the path in the introducing commit)', async () => {
    const rename = tricky.facts.shas.editedRename;
    const result = await blameOf(engine, repo, rename, { path: 'src/helpers.txt', mode: '100644', id: '' });
    expect(result.lines.map(comparable)).toEqual(await oracleBlame(tricky.path, rename, 'src/helpers.txt'));
    expect(new Set(result.lines.map((l) => l.origPath))).toEqual(new Set(['src/util.txt', 'src/helpers.txt']));
  });

  it('applies .mailmap like git blame does by default', async () => {
    const result = await blameOf(engine, repo, head, { path: 'src/big.txt', mode: '100644', id: '' });
    const authors = new Set(result.lines.map((l) => `${l.authorName} <${l.authorEmail}>`));
    expect(authors.has('Dev Patel <dev@example.in>')).toBe(true);
    expect([...authors].some((a) => a.includes('old-corp'))).toBe(false);
  });

  it('symlinks blame the link text', async () => {
    const link = files.find((f) => f.mode === '120000')!;
    const result = await blameOf(engine, repo, head, link);
    expect(result.lines).toHaveLength(1);
    expect(result.lines.map(comparable)).toEqual(await oracleBlame(tricky.path, head, link.path));
  });

  it('es-git: authorTzOffset is null', async () => {
    const result = await blameOf(engine, repo, head, { path: 'README.md', mode: '100644', id: '' });
    expect(result.lines.every((l) => l.authorTzOffset === null)).toBe(true);
  });
});

describe('per-file problems are results, not exceptions', () => {
  it('binary files (NUL in the first 8000 bytes) come back as GITFLEET_GIT_BINARY_FILE', async () => {
    const logo = files.find((f) => f.path === 'assets/logo.png')!;
    expect(await blameOf(engine, repo, head, logo)).toEqual({
      path: 'assets/logo.png',
      lines: [],
      error: { code: 'GITFLEET_GIT_BINARY_FILE', message: expect.any(String) },
    });
  });

  it('a path missing at the commit is GITFLEET_GIT_PATH_NOT_FOUND; a submodule is GITFLEET_GIT_NOT_A_FILE', async () => {
    const missing = await blameOf(engine, repo, head, { path: 'nope.txt', mode: '100644', id: '' });
    expect(missing.error?.code).toBe('GITFLEET_GIT_PATH_NOT_FOUND');
    const submodule = await blameOf(engine, repo, head, { path: 'sub', mode: '160000', id: head });
    expect(submodule.error?.code).toBe('GITFLEET_GIT_NOT_A_FILE');
  });

  it('other failures are GITFLEET_GIT_BLAME_FAILED with a one-line message', async () => {
    const result = await blameOf(engine, repo, '0'.repeat(40), { path: 'README.md', mode: '100644', id: '' });
    expect(result.error?.code).toBe('GITFLEET_GIT_BLAME_FAILED');
    expect(result.error?.message).not.toContain('\n');
  });

  it('an empty file has no lines', async () => {
    expect(await blameOf(engine, repo, head, { path: 'empty.txt', mode: '100644', id: '' })).toEqual({ path: 'empty.txt', lines: [] });
  });
});

describe('content bytes', () => {
  let temp: TempRepo;
  beforeAll(async () => {
    temp = await repoWith([{ files: { 'f.txt': Buffer.from('caf\xe9\r\nplain\nlast without newline', 'latin1') } }]);
  });
  afterAll(() => temp.cleanup());

  it('keeps \\r, decodes invalid UTF-8 with U+FFFD and handles a missing final newline like git', async () => {
    const location = await engine.open(temp.path);
    const commit = await engine.resolveCommit(location, 'HEAD');
    const result = await blameOf(engine, location, commit, { path: 'f.txt', mode: '100644', id: '' });
    expect(result.lines.map((l) => l.content)).toEqual(['caf\uFFFD\r', 'plain', 'last without newline']);
    expect(result.lines.map(comparable)).toEqual(await oracleBlame(temp.path, commit, 'f.txt'));
  });
});

describe('differences from git', () => {
  it('es-git: libgit2 blame does not follow a rename that git detects (git: 54% similar)', async () => {
    // Found by random search. git blames the four unchanged lines of b.txt on the commit that wrote
    // them in a.txt; libgit2 does not pair the files and blames every line on the renaming commit.
    const before = 'gamma\nbeta\nalpha\nbeta zeta alpha lambda\nepsilon\nmu\nalpha zeta lambda gamma gamma\nmu zeta kappa theta kappa iota\nepsilon kappa beta epsilon mu\ndelta beta delta eta iota epsilon\n';
    const after = 'gamma\nchanged 875\nchanged 471\nchanged 904\nchanged 318\nchanged 281\nalpha zeta lambda gamma gamma\nmu zeta kappa theta kappa iota\nchanged 646\ndelta beta delta eta iota epsilon\nextra line\n';
    const temp = await repoWith([{ files: { 'a.txt': before } }, { files: { 'a.txt': null, 'b.txt': after } }]);
    try {
      const location = await engine.open(temp.path);
      const commit = await engine.resolveCommit(location, 'HEAD');
      const ours = await blameOf(engine, location, commit, { path: 'b.txt', mode: '100644', id: '' });
      const git = await oracleBlame(temp.path, commit, 'b.txt');
      expect(git.filter((l) => l.commit !== commit).map((l) => [l.line, l.origPath])).toEqual([
        [1, 'a.txt'],
        [7, 'a.txt'],
        [8, 'a.txt'],
        [10, 'a.txt'],
      ]);
      expect(ours.lines.every((l) => l.commit === commit && l.origPath === 'b.txt')).toBe(true);
    } finally {
      await temp.cleanup();
    }
  });

  it('es-git: repeated lines can be attributed to a different one of the commits that wrote them', async () => {
    // Found by random search (changelog-like blocks of identical lines); git and libgit2 pick
    // different matches among equal lines. Line contents and counts still agree.
    const versions = [
      '\n### Bug Fixes\n## x\n## x\n## x\n- feat\n- fix\n',
      '\n### Bug Fixes\n### Bug Fixes\n### Bug Fixes\n## x\n## x\n## x\n- feat\n- fix\n',
      '## x\n\n### Bug Fixes\n### Bug Fixes\n### Bug Fixes\n## x\n## x\n## x\n- feat\n- fix\n',
      '## x\n\n- fix\n* b\n\n- fix\n### Bug Fixes\n### Bug Fixes\n### Bug Fixes\n## x\n## x\n## x\n- feat\n- fix\n',
    ];
    const temp = await repoWith(versions.map((text) => ({ files: { 'f.md': text } })));
    try {
      const location = await engine.open(temp.path);
      const commit = await engine.resolveCommit(location, 'HEAD');
      const ours = (await blameOf(engine, location, commit, { path: 'f.md', mode: '100644', id: '' })).lines;
      const git = await oracleBlame(temp.path, commit, 'f.md');
      expect(ours.map((l) => l.content)).toEqual(git.map((l) => l.content));
      const differing = git.filter((l, i) => l.commit !== ours[i]?.commit).map((l) => l.line);
      expect(differing).toEqual([7, 9]);
    } finally {
      await temp.cleanup();
    }
  });

  it('es-git: a non-UTF-8 author is U+FFFD name and email with the commit time (git prints the bytes)', async () => {
    const temp = await repoWith([{ files: { 'f.txt': 'a\nb\n' } }]);
    try {
      // Rewrite the commit so its author name is ISO-8859-1 bytes (git commit would re-encode it).
      const raw = await gitBytes(temp.path, ['cat-file', 'commit', 'HEAD']);
      const latin1 = Buffer.from(raw.toString('latin1').replace('author Ada Lovelace', 'author Ad\xe1 Lovelace'), 'latin1');
      const sha = (await git(temp.path, ['hash-object', '-t', 'commit', '-w', '--stdin'], { input: latin1 })).toString().trim();
      await git(temp.path, ['update-ref', 'HEAD', sha]);
      const location = await engine.open(temp.path);
      const result = await blameOf(engine, location, sha, { path: 'f.txt', mode: '100644', id: '' });
      const [git0] = await oracleBlame(temp.path, sha, 'f.txt');
      expect(git0!.authorName).toBe('Ad\uFFFD Lovelace');
      expect(result.lines.map((l) => [l.authorName, l.authorEmail, l.authorTime])).toEqual([
        ['\uFFFD', '\uFFFD', git0!.authorTime],
        ['\uFFFD', '\uFFFD', git0!.authorTime],
      ]);
    } finally {
      await temp.cleanup();
    }
  });
});
