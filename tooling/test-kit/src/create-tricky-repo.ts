import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, identityEnv, writeFiles } from './commit-files.js';
import type { FileContent, Identity } from './commit-files.js';
import type { RepoLocation } from './create-empty-repo.js';
import { createTempDir, targetDir } from './create-temp-dir.js';
import { git, gitText } from './git.js';

/** Names of the commits in the tricky history that tests may want to look at. */
export type TrickyCommit =
  | 'root'
  | 'pureRename'
  | 'editedRename'
  | 'renameIntoDir'
  | 'binaryAdded'
  | 'binaryModified'
  | 'binaryDeleted'
  | 'symlinkAdded'
  | 'symlinkRetargeted'
  | 'typeChange'
  | 'latin1Author'
  | 'latin1EncodingHeader'
  | 'latin1RawMessage'
  | 'crlfEdit'
  | 'fileDeleted'
  | 'fileReAdded'
  | 'twoLineSummary'
  | 'conflictMerge'
  | 'octopusMerge'
  | 'twoPaths'
  | 'utilMoved'
  | 'utilMerge'
  | 'tagged';

/** One rename as `git log -M --name-status` reports it. */
export interface TrickyRename {
  sha: string;
  from: string;
  to: string;
}

/** One entry of `git diff --cached --name-status`. */
export interface StagedChange {
  status: 'A' | 'D' | 'M' | 'R';
  path: string;
  /** Source path of a rename. */
  from?: string;
}

/** What tests need to know about the tricky repository without re-deriving it. */
export interface TrickyRepoFacts {
  /** Commit of `main` (= HEAD). */
  head: string;
  /** `git rev-list --count main`. */
  commitCount: number;
  /** Commits by role in the story. */
  shas: Record<TrickyCommit, string>;
  /** Merge commits on main, oldest first (`git rev-list --merges --reverse main`). */
  mergeShas: string[];
  renames: TrickyRename[];
  /** Files that are binary (contain NUL) at some point in history. */
  binaryPaths: string[];
  /** Paths that are symlinks at HEAD. */
  symlinkPaths: string[];
  /** A file whose lines start with a UTF-8 byte-order mark (the first line and one in the middle). */
  bomPath: string;
  /**
   * `lib/util.c` at HEAD: blame takes lines from `src/util.c` (renamed on a side branch) and from
   * `lib/util.c`; commit `twoPaths` (and the one adding both files) contributes lines under both.
   */
  movedPath: string;
  /** Commits whose message is ISO-8859-1 bytes: [with `encoding` header, without]. */
  latin1MessageShas: string[];
  /** Unusual paths (space, tab, newline, quotes, unicode, leading dash) in HEAD's tree. */
  trickyPaths: string[];
  /** Distinct authors after .mailmap, as `%aN <%aE>`, sorted. */
  authors: string[];
  /** Local branches, sorted. */
  branchNames: string[];
  /** Tags, sorted: `v0.1` (lightweight) and `v1.0` (annotated). */
  tags: string[];
  /** Local bare repository configured as remote `origin` (main is 1 commit ahead of it). */
  originPath: string;
  /** Staged but uncommitted changes, sorted by path. */
  staged: StagedChange[];
  /** Paths with unstaged work-tree modifications. */
  unstagedPaths: string[];
  /** Untracked files. */
  untrackedPaths: string[];
}

/** A generated repository full of edge cases; see {@link createTrickyRepo}. */
export interface TrickyRepo {
  path: string;
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  facts: TrickyRepoFacts;
}

interface Person {
  name: string;
  email: string;
  tz: string;
}

const PEOPLE = {
  alice: { name: 'Alice Anders', email: 'alice@example.com', tz: '-0800' },
  bob: { name: 'Bob Brown', email: 'bob@example.org', tz: '-0330' },
  carol: { name: 'Carol Chen', email: 'carol@example.net', tz: '+0000' },
  dev: { name: 'Dev Patel', email: 'dev@example.in', tz: '+0530' },
  // Same person as `dev` under an old identity; .mailmap merges them.
  devOld: { name: 'dev patel', email: 'dpatel@old-corp.example', tz: '+0530' },
  emi: { name: 'Emi Sato', email: 'emi@example.jp', tz: '+0900' },
  kiri: { name: 'Kiri Tane', email: 'kiri@example.nz', tz: '+1345' },
  // Written as ISO-8859-1 bytes in one commit; .mailmap maps the email to the UTF-8 name.
  jose: { name: 'José Müller', email: 'jose@example.pt', tz: '+0100' },
  bot: { name: 'Merge Bot', email: 'bot@example.com', tz: '+0200' },
} satisfies Record<string, Person>;

const MAILMAP = [
  'Dev Patel <dev@example.in> dev patel <dpatel@old-corp.example>',
  'José Müller <jose@example.pt>',
  '',
].join('\n');

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo'];
const word = (i: number): string => WORDS[i % WORDS.length] ?? '';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A small PNG-like binary: PNG signature, then bytes with plenty of NULs. */
function pngLike(variant: number): Buffer {
  const body = Buffer.alloc(256);
  for (let i = 0; i < body.length; i++) body[i] = i % 5 === 0 ? 0 : (i * 31 + variant * 17) & 0xff;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), body]);
}

/** Replaces the first occurrence of `from` in `buf` (which must exist). */
function replaceBytes(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const at = buf.indexOf(from);
  if (at < 0) throw new Error(`bytes not found: ${from.toString('latin1')}`);
  return Buffer.concat([buf.subarray(0, at), to, buf.subarray(at + from.length)]);
}

/**
 * Creates a deterministic repository exercising git's edge cases (identical
 * shas on every run): 5+ authors across odd time zones (-0330, +0530, +1345),
 * a .mailmap, `--no-ff` merges incl. a hand-resolved conflict and an octopus,
 * renames, binaries, symlinks, a type change, unusual paths, ISO-8859-1
 * messages/author/content, CRLF, missing final newline, an empty file, a
 * 300-line file edited by everyone, tags, an unmerged branch, a local bare
 * `origin` that main is one commit ahead of, and finally staged, unstaged
 * and untracked changes. {@link TrickyRepoFacts} says where everything is.
 *
 * @example
 * const repo = await createTrickyRepo();
 * try {
 *   const merges = await gitText(repo.path, ['rev-list', '--merges', 'HEAD']);
 *   expect(merges.trim().split('\n')).toEqual([...repo.facts.mergeShas].reverse());
 * } finally {
 *   await repo.cleanup();
 * }
 */
export async function createTrickyRepo(options: RepoLocation = {}): Promise<TrickyRepo> {
  const dir = await targetDir(options.dir, 'gitfleet-tricky-');
  const origin = await createTempDir('gitfleet-tricky-origin-');
  const cleanup = async (): Promise<void> => {
    await dir.cleanup();
    await origin.cleanup();
  };
  try {
    const facts = await buildHistory(dir.path, origin.path);
    return { path: dir.path, cleanup, [Symbol.asyncDispose]: cleanup, facts };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function buildHistory(repo: string, originPath: string): Promise<TrickyRepoFacts> {
  await git(repo, ['init', '--quiet', '--initial-branch=main']);
  const shas: Partial<Record<TrickyCommit, string>> = {};
  const renames: TrickyRename[] = [];

  // A clock that moves forward ~1h per commit; each identity keeps its own time zone.
  let clock = 1_700_000_000;
  const stamp = (p: Person, delay = 0): Identity => ({
    name: p.name,
    email: p.email,
    date: `${clock + delay} ${p.tz}`,
  });
  const tick = (): void => {
    clock += 3600 + ((clock * 7) % 1800);
  };

  /** Commits on the current branch; a distinct committer commits 10 minutes later. */
  const commit = async (
    author: Person,
    files: Record<string, FileContent>,
    message: string | Uint8Array,
    extra: { committer?: Person; encoding?: string } = {},
  ): Promise<string> => {
    tick();
    const committer = extra.committer === undefined ? stamp(author) : stamp(extra.committer, 600);
    return commitFiles(repo, files, {
      message,
      author: stamp(author),
      committer,
      ...(extra.encoding === undefined ? {} : { encoding: extra.encoding }),
    });
  };
  const head = async (): Promise<string> => (await gitText(repo, ['rev-parse', 'HEAD'])).trim();
  const switchTo = (branch: string, create = false): Promise<Buffer> =>
    git(repo, ['switch', '--quiet', ...(create ? ['-c'] : []), branch]);
  /** `git merge --no-ff` of `branches` into the current branch; returns the merge commit. */
  const merge = async (branches: string[], message: string, author: Person, committer = author): Promise<string> => {
    tick();
    const env = identityEnv(stamp(author), stamp(committer, 300));
    await git(repo, ['merge', '--no-ff', '--quiet', '--no-edit', '-m', message, ...branches], { env });
    for (const branch of branches) await git(repo, ['branch', '--quiet', '-d', branch]);
    return head();
  };

  // The 300-line file everyone edits; kept in memory and written whole.
  const big = Array.from({ length: 300 }, (_, i) => `${String(i + 1).padStart(3, '0')} ${word(i)} ${word(7 * i + 3)}`);
  const bigText = (lines = big): string => `${lines.join('\n')}\n`;
  let bigEdits = 0;
  const editBig = (): string => {
    const n = ++bigEdits;
    for (let j = 0; j < 3; j++) big[(n * 53 + j * 97) % big.length] = `edit ${n}.${j} ${word(n + j)}`;
    if (n % 3 === 0) big.splice((n * 29) % big.length, 0, `inserted by edit ${n}`);
    if (n % 4 === 1) big.splice((n * 41) % big.length, 1);
    return bigText();
  };
  const helpers = Array.from({ length: 20 }, (_, i) => `helper ${i}: ${word(i)} ${word(i + 5)}`);
  const { alice, bob, carol, dev, devOld, emi, kiri, jose, bot } = PEOPLE;

  // --- Basics: odd files and odd paths -------------------------------------------------
  shas.root = await commit(
    alice,
    {
      'README.md': '# Tricky\n\nA repository full of edge cases.\n',
      '.mailmap': MAILMAP,
      'src/big.txt': bigText(),
      'src/util.txt': `${helpers.join('\n')}\n`,
      'docs/guide.md': '# Guide\n\nStep one.\nStep two.\nStep three.\n',
      'notes.txt': 'Remember the milk.\nRemember the eggs.\nRemember the bread.\n',
      'empty.txt': '',
      'no-eol.txt': 'this file has no trailing newline',
      'windows.txt': 'line one\r\nline two\r\nline three\r\n',
    },
    'Initial commit\n\nSet up the project skeleton.\n\nThis message has three paragraphs.',
  );
  await git(repo, ['tag', 'v0.1']);
  await commit(
    bob,
    {
      'with space/file name.txt': 'spaces in the directory and the file name\n',
      'tab\there.txt': 'a tab in the name\n',
      '-dash-leading.txt': 'name starts with a dash\n',
    },
    'Add files with spaces, tabs and a leading dash',
    { committer: bot },
  );
  await commit(
    carol,
    {
      'line\nbreak.txt': 'a newline in the name\n',
      'weird "quotes" and \\backslash.txt': 'quotes and a backslash in the name\n',
    },
    'Add files with a newline, quotes and a backslash in their names',
  );
  await commit(
    dev,
    { 'données/naïve café.txt': 'Unicode everywhere.\n', '日本語.md': '# 日本語\n\nこんにちは\n' },
    'Add unicode paths',
  );
  shas.binaryAdded = await commit(
    emi,
    { 'assets/logo.png': pngLike(1), 'assets/old.bin': Buffer.from([0, 1, 2, 0, 255, 0, 42]) },
    'Add binary assets',
  );
  await commit(kiri, { 'src/big.txt': editBig() }, 'Tune big.txt from the Chatham Islands', { committer: carol });
  await commit(
    devOld,
    { 'src/big.txt': editBig(), 'notes.txt': 'Remember the milk.\nRemember the eggs.\nRemember the bread.\nAnd butter.\n' },
    'Edit big.txt under my old email',
  );
  shas.symlinkAdded = await commit(
    alice,
    { 'link-to-readme': { symlink: 'README.md' }, 'config/settings.json': '{ "debug": false }\n' },
    'Add a symlink and a settings file',
  );
  await commit(
    bob,
    {
      'legacy/latin1.txt': latin1('café crème\nnaïve façade\n'),
      'reborn.txt': 'first life\nof this file\n',
    },
    'Add a latin-1 encoded text file',
  );
  await commit(
    carol,
    { 'src/big.txt': editBig() },
    'Refactor big.txt\n\nFirst body paragraph explains why.\n\nSecond body paragraph explains how.\n\n' +
      'Signed-off-by: Carol Chen <carol@example.net>',
  );

  // --- Merge 1: a side branch with three commits while main moves on -------------------------
  await switchTo('topic/docs', true);
  const guide = '# Guide\n\nStep one.\nStep two, revised.\nStep three.\n';
  await commit(emi, { 'docs/guide.md': guide }, 'Revise step two');
  await commit(dev, { 'docs/faq.md': '# FAQ\n\nQ: Why?\nA: Because.\n' }, 'Add FAQ');
  await commit(alice, { 'docs/guide.md': `${guide}Step four.\n` }, 'Add step four');
  await switchTo('main');
  await commit(kiri, { 'src/big.txt': editBig() }, 'Edit big.txt on main meanwhile');
  await merge(['topic/docs'], "Merge branch 'topic/docs'", carol, bot);
  shas.tagged = await head();

  // --- Renames, binaries, symlinks -----------------------------------------------------------
  await git(repo, ['mv', 'docs/guide.md', 'docs/user-guide.md']);
  shas.pureRename = await commit(dev, {}, 'Rename guide.md to user-guide.md');
  renames.push({ sha: shas.pureRename, from: 'docs/guide.md', to: 'docs/user-guide.md' });

  shas.binaryModified = await commit(emi, { 'assets/logo.png': pngLike(2) }, 'Update the logo');

  await git(repo, ['mv', 'src/util.txt', 'src/helpers.txt']);
  helpers[7] = 'helper 7: rewritten during the rename';
  shas.editedRename = await commit(
    kiri,
    { 'src/helpers.txt': `${helpers.join('\n')}\n` },
    'Rename util.txt to helpers.txt and tweak it',
  );
  renames.push({ sha: shas.editedRename, from: 'src/util.txt', to: 'src/helpers.txt' });

  await mkdir(join(repo, 'archive/2023'), { recursive: true }); // `git mv` does not create directories
  await git(repo, ['mv', 'notes.txt', 'archive/2023/notes.txt']);
  shas.renameIntoDir = await commit(alice, {}, 'Archive the notes');
  renames.push({ sha: shas.renameIntoDir, from: 'notes.txt', to: 'archive/2023/notes.txt' });

  shas.binaryDeleted = await commit(bob, { 'assets/old.bin': null }, 'Drop the old binary', { committer: bot });
  shas.symlinkRetargeted = await commit(
    carol,
    { 'link-to-readme': { symlink: 'docs/user-guide.md' } },
    'Point the link at the guide',
  );
  shas.typeChange = await commit(
    dev,
    { 'config/settings.json': { symlink: '../README.md' } },
    'Replace settings.json with a symlink',
  );

  // --- ISO-8859-1 author and messages ---------------------------------------------------------
  const latin1Lines = 'café crème\nnaïve façade\nJosé était là\n';
  await commit(jose, { 'legacy/latin1.txt': latin1(latin1Lines) }, 'Add a line to the latin-1 file');
  shas.latin1Author = await rewriteHead(repo, (raw) =>
    replaceBytes(raw, Buffer.from(`author ${jose.name} <`), latin1(`author ${jose.name} <`)),
  );
  shas.latin1EncodingHeader = await commit(
    alice,
    { 'src/big.txt': editBig() },
    latin1('Mise à jour: café, crème brûlée\n\nMessage encodé en ISO-8859-1, avec un en-tête encoding.\n'),
    { encoding: 'ISO-8859-1' },
  );
  const rawMessage = 'Fix façade typo\n\nThese bytes are ISO-8859-1 but the commit has no encoding header: é è ü.\n';
  await commit(bob, { 'no-eol.txt': 'this file has no trailing newline\nstill none' }, rawMessage);
  // `git commit` would "fix" invalid UTF-8 by reading it as latin-1, so patch the bytes in afterwards.
  shas.latin1RawMessage = await rewriteHead(repo, (raw) =>
    replaceBytes(raw, Buffer.from(rawMessage), latin1(rawMessage)),
  );

  // --- Merge 2: a conflict resolved by hand ---------------------------------------------------
  const conflictAt = 150;
  await switchTo('topic/conflict', true);
  const theirs = [...big];
  theirs.splice(conflictAt, 3, 'theirs: first', 'theirs: second', 'theirs: third');
  await commit(carol, { 'src/big.txt': bigText(theirs) }, 'Rewrite the middle of big.txt');
  const readme = '# Tricky\n\nA repository full of edge cases.\n\nSee docs/user-guide.md.\n';
  await commit(emi, { 'README.md': readme }, 'Link the guide from the README');
  await switchTo('main');
  big.splice(conflictAt, 3, 'ours: first', 'ours: second', 'ours: third');
  await commit(dev, { 'src/big.txt': bigText() }, 'Rewrite the middle of big.txt differently');
  tick();
  const conflictEnv = identityEnv(stamp(bob), stamp(bob));
  const conflicted = await git(repo, ['merge', '--no-ff', '--quiet', 'topic/conflict'], { env: conflictEnv }).then(
    () => false,
    () => true,
  );
  if (!conflicted) throw new Error('expected a merge conflict in src/big.txt');
  big.splice(conflictAt, 3, 'resolved: first (ours + theirs)', 'resolved: second', 'resolved: third, by hand');
  shas.conflictMerge = await commitFiles(repo, { 'src/big.txt': bigText() }, {
    message: "Merge branch 'topic/conflict'\n\nConflicts resolved by hand:\n\tsrc/big.txt",
    author: stamp(bob),
    committer: stamp(bob),
  });
  await git(repo, ['branch', '--quiet', '-d', 'topic/conflict']);

  // --- Deletion and re-addition, CRLF, two-line summary ---------------------------------------
  shas.fileDeleted = await commit(kiri, { 'reborn.txt': null }, 'Delete reborn.txt');
  shas.twoLineSummary = await commit(
    emi,
    { 'src/big.txt': editBig() },
    'Fix the frobnicator when the\nwidget count is zero\n\nThe summary of this commit spans two lines.',
  );
  shas.crlfEdit = await commit(
    alice,
    { 'windows.txt': 'line one\r\nline 2, edited\r\nline three\r\n' },
    'Edit the CRLF file',
  );
  shas.fileReAdded = await commit(
    carol,
    { 'reborn.txt': 'second life\nwith entirely different content\nand more lines\n' },
    'Bring back reborn.txt',
  );

  // --- Merge 3: octopus ------------------------------------------------------------------------
  const base = await head();
  await switchTo('topic/oct-a', true);
  await commit(bob, { 'src/a.txt': 'from octopus arm a\n' }, 'Add a.txt');
  await commit(bob, { 'src/a.txt': 'from octopus arm a\nsecond line\n' }, 'Extend a.txt');
  await git(repo, ['switch', '--quiet', '-c', 'topic/oct-b', base]);
  await commit(dev, { 'src/b.txt': 'from octopus arm b\n' }, 'Add b.txt');
  await commit(devOld, { 'src/b.txt': 'from octopus arm b\nsecond line\n' }, 'Extend b.txt');
  await switchTo('main');
  const arms = ['topic/oct-a', 'topic/oct-b'];
  shas.octopusMerge = await merge(arms, "Merge branches 'topic/oct-a' and 'topic/oct-b'", emi);

  // --- Merge 4: fast-forwardable branch merged with --no-ff ------------------------------------
  await switchTo('topic/i18n', true);
  await commit(emi, { '日本語.md': '# 日本語\n\nこんにちは\nさようなら\n' }, 'Say goodbye in Japanese');
  await commit(kiri, { 'données/naïve café.txt': 'Unicode everywhere.\nEncore: œuvre, déjà vu.\n' }, 'More French');
  await switchTo('main');
  await merge(['topic/i18n'], "Merge branch 'topic/i18n'", alice, bot);

  // --- Merge 5: a rename on one side, edits on both (blame's origPath) ------------------------
  // src/util.c and lib/util.c both exist; `twoPaths` edits both. On topic/util-move lib/util.c
  // is deleted, then src/util.c is renamed to lib/util.c and edited; main edits lib/util.c.
  // The hand-made merge keeps both bodies in lib/util.c, so blame reaches `twoPaths` (and the
  // commit adding both files) under two paths: git then repeats `filename` in porcelain output.
  const utilSrc = Array.from({ length: 30 }, (_, i) => `int util_${i + 1}(void) { return ${i + 1}; } /* ${word(i)} */`);
  const utilLib = Array.from({ length: 8 }, (_, i) => `/* vendored ${i + 1}: ${word(i + 3)} ${word(i + 6)} */`);
  const cText = (lines: string[]): string => `${lines.join('\n')}\n`;
  const bom = '\ufeff';
  await commit(alice, {
    'src/util.c': cText(utilSrc),
    'lib/util.c': cText(utilLib),
    'bom.txt': `${bom}first line after a byte-order mark\nsecond line\n${bom}third line starts with one too\n`,
  }, 'Add util.c twice and a file with byte-order marks');
  utilSrc[12] = 'int util_13(void) { return -13; } /* twoPaths */';
  utilLib[2] = '/* vendored 3: patched by twoPaths */';
  shas.twoPaths = await commit(bob, { 'src/util.c': cText(utilSrc), 'lib/util.c': cText(utilLib) }, 'Patch both copies of util.c');
  const utilBase = await head();
  await switchTo('topic/util-move', true);
  await commit(carol, { 'lib/util.c': null }, 'Drop the vendored util.c');
  await git(repo, ['mv', 'src/util.c', 'lib/util.c']);
  for (const i of [19, 20, 21, 24, 25]) utilSrc[i] = `int util_${i + 1}(void) { return ${(i + 1) * 100}; } /* moved */`;
  shas.utilMoved = await commit(carol, { 'lib/util.c': cText(utilSrc) }, 'Move src/util.c to lib/util.c and tune it');
  renames.push({ sha: shas.utilMoved, from: 'src/util.c', to: 'lib/util.c' });
  await switchTo('main');
  utilLib[5] = '/* vendored 6: edited on main */';
  await commit(dev, { 'lib/util.c': cText(utilLib) }, 'Edit the vendored util.c on main');
  tick();
  const utilEnv = identityEnv(stamp(emi), stamp(emi));
  // Conflicts (modify/delete, rename onto an existing path) are expected: the resolution is ours.
  await git(repo, ['merge', '--no-ff', '--no-commit', '--quiet', 'topic/util-move'], { env: utilEnv }).catch(() => undefined);
  await git(repo, ['rm', '--quiet', '--force', '--ignore-unmatch', '--', 'src/util.c']);
  shas.utilMerge = await commitFiles(repo, { 'lib/util.c': cText([...utilSrc, ...utilLib]) }, {
    message: "Merge branch 'topic/util-move'\n\nKeep both bodies in lib/util.c.",
    author: stamp(emi),
    committer: stamp(emi),
  });
  await git(repo, ['branch', '--quiet', '-D', 'topic/util-move']);
  if (utilBase === shas.utilMerge) throw new Error('the util.c merge made no commit');

  // --- More history, the unmerged branch -------------------------------------------------------
  await git(repo, ['mv', 'with space/file name.txt', 'with space/renamed file.txt']);
  const spacedRename = await commit(alice, { 'src/big.txt': editBig() }, 'Rename the spaced file and edit big.txt');
  renames.push({ sha: spacedRename, from: 'with space/file name.txt', to: 'with space/renamed file.txt' });
  await commit(devOld, { 'src/big.txt': editBig() }, 'Another big.txt edit from the old address');

  await switchTo('feature/x', true);
  await commit(kiri, { 'feature.txt': 'work in progress\n' }, 'Start feature x');
  await commit(alice, { 'feature.txt': 'work in progress\nmore progress\n' }, 'Continue feature x');
  await switchTo('main');
  await commit(bob, { 'src/big.txt': editBig(), 'empty.txt': '' }, 'Edit big.txt once more', { committer: bot });
  await commit(jose, { 'src/big.txt': editBig() }, 'Edit big.txt as José');

  // --- Tags and the fake remote -----------------------------------------------------------------
  tick();
  await git(repo, ['tag', '-a', 'v1.0', '-m', 'Release 1.0\n\nFirst stable release.', shas.tagged], {
    env: identityEnv(undefined, stamp(carol)),
  });
  await git(repo, ['clone', '--quiet', '--bare', '--', repo, originPath]);
  await git(repo, ['remote', 'add', 'origin', originPath]);
  await git(repo, ['push', '--quiet', 'origin', 'main', 'feature/x']);
  await git(repo, ['fetch', '--quiet', 'origin']);
  await git(repo, ['branch', '--quiet', '--set-upstream-to=origin/main', 'main']);
  await git(repo, ['remote', 'set-head', 'origin', 'main']);
  await commit(carol, { 'src/big.txt': editBig() }, 'Local commit, not pushed yet');

  // --- Uncommitted state: staged, unstaged, untracked -------------------------------------------
  const bigHead = editBig();
  await writeFiles(repo, {
    'src/big.txt': bigHead,
    'assets/logo.png': pngLike(3),
    'legacy/latin1.txt': latin1(`${latin1Lines}dernière ligne, indexée\n`),
    'staged/new file.txt': 'freshly staged\n',
  });
  await git(repo, ['add', '--', 'src/big.txt', 'assets/logo.png', 'legacy/latin1.txt', 'staged/new file.txt']);
  await git(repo, ['rm', '--quiet', '--', 'docs/faq.md']);
  await git(repo, ['mv', '--', '日本語.md', 'docs/日本語.md']);
  const staged: StagedChange[] = [
    { status: 'M', path: 'assets/logo.png' },
    { status: 'D', path: 'docs/faq.md' },
    { status: 'R', path: 'docs/日本語.md', from: '日本語.md' },
    { status: 'M', path: 'legacy/latin1.txt' },
    { status: 'M', path: 'src/big.txt' },
    { status: 'A', path: 'staged/new file.txt' },
  ];
  await writeFiles(repo, {
    'src/big.txt': `${bigHead}unstaged line at the end\n`,
    'README.md': `${readme}Unstaged edit.\n`,
    'untracked.txt': 'not tracked\n',
    'untracked dir/notes.txt': 'not tracked either\n',
  });

  const revList = async (...args: string[]): Promise<string[]> =>
    (await gitText(repo, ['rev-list', ...args])).split('\n').filter((line) => line !== '');
  const authors = await gitText(repo, ['log', '--format=%aN <%aE>', 'main']);
  const listRefs = async (pattern: string): Promise<string[]> =>
    (await gitText(repo, ['for-each-ref', '--format=%(refname:short)', pattern])).split('\n').filter((l) => l !== '');

  return {
    head: await head(),
    commitCount: (await revList('main')).length,
    shas: shas as Record<TrickyCommit, string>,
    mergeShas: await revList('--merges', '--reverse', 'main'),
    renames,
    binaryPaths: ['assets/logo.png', 'assets/old.bin'],
    symlinkPaths: ['config/settings.json', 'link-to-readme'],
    bomPath: 'bom.txt',
    movedPath: 'lib/util.c',
    latin1MessageShas: [shas.latin1EncodingHeader, shas.latin1RawMessage],
    trickyPaths: [
      '-dash-leading.txt',
      'données/naïve café.txt',
      'line\nbreak.txt',
      'tab\there.txt',
      'weird "quotes" and \\backslash.txt',
      'with space/renamed file.txt',
      '日本語.md',
    ],
    authors: [...new Set(authors.split('\n').filter((a) => a !== ''))].sort(),
    branchNames: (await listRefs('refs/heads')).sort(),
    tags: (await listRefs('refs/tags')).sort(),
    originPath,
    staged,
    unstagedPaths: ['README.md', 'src/big.txt'],
    untrackedPaths: ['untracked dir/notes.txt', 'untracked.txt'],
  };
}

/** Rewrites the raw HEAD commit object (e.g. to inject non-UTF-8 bytes) and moves the branch to it. */
async function rewriteHead(repo: string, transform: (raw: Buffer) => Buffer): Promise<string> {
  const old = (await gitText(repo, ['rev-parse', 'HEAD'])).trim();
  const raw = await git(repo, ['cat-file', 'commit', old]);
  const input = transform(raw);
  const sha = (await gitText(repo, ['hash-object', '-t', 'commit', '-w', '--stdin'], { input })).trim();
  await git(repo, ['update-ref', '-m', 'test-kit: rewrite commit', 'HEAD', sha, old]);
  return sha;
}
