// es-git engine: the staged diff against `git diff --cached` (file list, numstat and patch bytes).
import { chmod, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEmptyRepo, createTrickyRepo, git, writeFiles, type FileContent, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitEngine } from '../../src/engines/engine.js';
import type { StagedDiff } from '../../src/types.js';
import { byPath, esGit, gitBytes, gitOut, oracleStagedPatch, parseRawNumstat, repoWith, type OracleFile } from './helpers.js';

let engine: GitEngine;

beforeAll(() => {
  engine = esGit();
});

afterAll(async () => {
  await engine?.close();
});

async function staged(path: string): Promise<StagedDiff> {
  return engine.stagedDiff(await engine.open(path));
}

function asOracle(diff: StagedDiff): OracleFile[] {
  const letter = { added: 'A', deleted: 'D', modified: 'M', renamed: 'R', copied: 'C', typechange: 'T' } as const;
  return diff.files.map((file) => ({
    status: letter[file.status],
    path: file.path,
    oldPath: file.oldPath,
    additions: file.binary ? null : file.additions,
    deletions: file.binary ? null : file.deletions,
  }));
}

async function expectSameAsGit(path: string): Promise<StagedDiff> {
  const diff = await staged(path);
  const oracle = parseRawNumstat(await gitBytes(path, ['diff', '--cached', '--raw', '--numstat', '-z']));
  expect(asOracle(diff)).toEqual(oracle.sort(byPath));
  const patch = Buffer.concat(diff.files.map((file) => file.patch));
  expect(patch.toString('latin1')).toBe((await oracleStagedPatch(path)).toString('latin1'));
  expect([diff.additions, diff.deletions]).toEqual([
    diff.files.reduce((sum, f) => sum + f.additions, 0),
    diff.files.reduce((sum, f) => sum + f.deletions, 0),
  ]);
  return diff;
}

const numbered = (count: number, prefix = 'line'): string => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');
const edit = (text: string, edits: Record<number, string>): string =>
  text
    .split('\n')
    .map((line, i) => edits[i + 1] ?? line)
    .join('\n');

describe('the tricky repository', () => {
  let tricky: TrickyRepo;
  beforeAll(async () => {
    tricky = await createTrickyRepo();
  });
  afterAll(() => tricky.cleanup());

  it('files, statuses, numstat and patch bytes equal git diff --cached', async () => {
    const diff = await expectSameAsGit(tricky.path);
    expect(diff.files.map((f) => [f.status.slice(0, 1).toUpperCase(), f.path])).toEqual(
      tricky.facts.staged.map((s) => [s.status, s.path]),
    );
  });
});

describe('patch formats, one repository with every kind of change', () => {
  let repo: TempRepo;
  const c = [
    'int helper(int x)',
    '{',
    ...Array.from({ length: 8 }, (_, i) => `  x += ${i};`),
    '  return x;',
    '}',
    '',
    `$dollar_${'x'.repeat(100)}(void)  `,
    '{',
    ...Array.from({ length: 8 }, (_, i) => `  y += ${i};`),
    '}',
    '',
  ].join('\n');

  beforeAll(async () => {
    const head: Record<string, FileContent> = {
      'modify.txt': numbered(20),
      'two-hunks.txt': numbered(40),
      'merged-hunks.txt': numbered(30),
      'func.c': c,
      'deleted.txt': numbered(3),
      'empty-gone.txt': '',
      'renamed-old.txt': numbered(12, 'rename'),
      'edited-old.txt': numbered(12, 'edited'),
      'latin1.txt': Buffer.from('caf\xe9\nna\xefve\n', 'latin1'),
      'no-eol-remove.txt': 'a\nb\n',
      'no-eol-add.txt': 'a\nb',
      'no-eol-context.txt': 'a\nb\nc',
      'mode.sh': { content: '#!/bin/sh\necho hi\n', executable: false },
      'mode-edit.sh': { content: '#!/bin/sh\necho hi\n', executable: false },
      retarget: { symlink: 'modify.txt' },
      typechange: 'regular file\n',
      'image.bin': Buffer.from([0x89, 0x50, 0, 1, 2, 3]),
      'dir with space/file name.txt': 'space\n',
      'quo"te.txt': 'quote\n',
      'line\nbreak.txt': 'newline\n',
      'back\\slash.txt': 'backslash\n',
      'tab\there.txt': 'tab\n',
      'ünïcödé.txt': 'unicode\n',
      'crlf.txt': 'one\r\ntwo\r\nthree\r\n',
    };
    repo = await repoWith([{ files: head }]);
    const subA = (await gitOut(repo.path, ['rev-parse', 'HEAD'])).trim();
    await git(repo.path, ['update-index', '--add', '--cacheinfo', `160000,${subA},sub`]);
    await git(repo.path, ['commit', '-q', '-m', 'add a gitlink']);
    await git(repo.path, ['mv', 'renamed-old.txt', 'renamed-new.txt']);
    await git(repo.path, ['mv', 'edited-old.txt', 'edited-new.txt']);
    await writeFiles(repo.path, {
      'modify.txt': edit(numbered(20), { 10: 'line ten' }),
      'two-hunks.txt': edit(numbered(40), { 5: 'line five', 30: 'line thirty' }),
      'merged-hunks.txt': edit(numbered(30), { 10: 'line ten', 16: 'line sixteen' }),
      'func.c': c.replace('  x += 6;', '  x -= 6;').replace('  y += 7;', '  y -= 7;'),
      'deleted.txt': null,
      'empty-gone.txt': null,
      'added.txt': numbered(2, 'new'),
      'empty-new.txt': '',
      'edited-new.txt': edit(numbered(12, 'edited'), { 3: 'edited three' }),
      'latin1.txt': Buffer.from('caf\xe9\nna\xefve\n\xe0 la carte\n', 'latin1'),
      'no-eol-remove.txt': 'a\nb',
      'no-eol-add.txt': 'a\nb\n',
      'no-eol-context.txt': 'A\nb\nc',
      'mode-edit.sh': '#!/bin/sh\necho hello\n',
      link: { symlink: 'modify.txt' },
      retarget: { symlink: 'two-hunks.txt' },
      typechange: { symlink: 'modify.txt' },
      'image.bin': Buffer.from([0x89, 0x50, 0, 1, 2, 4]),
      'new.bin': Buffer.from([0, 0, 0, 7]),
      'dir with space/file name.txt': 'space!\n',
      'quo"te.txt': 'quote!\n',
      'line\nbreak.txt': 'newline!\n',
      'back\\slash.txt': 'backslash!\n',
      'tab\there.txt': 'tab!\n',
      'ünïcödé.txt': 'unicode!\n',
      'crlf.txt': 'one\r\n2\r\nthree\r\n',
    });
    await chmod(join(repo.path, 'mode.sh'), 0o755);
    await chmod(join(repo.path, 'mode-edit.sh'), 0o755);
    await git(repo.path, ['add', '-A']);
    await git(repo.path, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},sub`]);
  });
  afterAll(() => repo.cleanup());

  it('equals git diff --cached byte for byte', async () => {
    const diff = await expectSameAsGit(repo.path);
    expect(new Set(diff.files.map((f) => f.status))).toEqual(new Set(['added', 'deleted', 'modified', 'renamed', 'typechange']));
  });

  it('per-file patches start at their own diff --git line', async () => {
    const diff = await staged(repo.path);
    for (const file of diff.files) expect(Buffer.from(file.patch).toString('latin1')).toMatch(/^diff --git /);
    const quoted = diff.files.find((f) => f.path === 'line\nbreak.txt')!;
    expect(Buffer.from(quoted.patch).toString('utf8').split('\n')[0]).toBe('diff --git "a/line\\nbreak.txt" "b/line\\nbreak.txt"');
  });

  it('hunk headings follow git\u2019s default funcname rule (letter, _ or $ first; 80 bytes; right-trimmed)', async () => {
    const diff = await staged(repo.path);
    const func = Buffer.from(diff.files.find((f) => f.path === 'func.c')!.patch).toString('latin1');
    const headings = func.split('\n').filter((l) => l.startsWith('@@'));
    expect(headings).toEqual([
      '@@ -6,7 +6,7 @@ int helper(int x)',
      `@@ -20,5 +20,5 @@ $dollar_${'x'.repeat(72)}`,
    ]);
  });

  it('binary files: "Binary files a/x and b/x differ", no line counts', async () => {
    const diff = await staged(repo.path);
    const image = diff.files.find((f) => f.path === 'image.bin')!;
    expect([image.binary, image.additions, image.deletions]).toEqual([true, 0, 0]);
    expect(Buffer.from(image.patch).toString('latin1')).toMatch(/\nBinary files a\/image\.bin and b\/image\.bin differ\n$/);
  });
});

describe('repository states', () => {
  it('unborn HEAD: everything staged is an addition', async () => {
    const repo = await createEmptyRepo();
    try {
      await writeFiles(repo.path, { 'a.txt': 'one\n', 'b/c.txt': 'two\nthree\n' });
      await git(repo.path, ['add', '-A']);
      const diff = await expectSameAsGit(repo.path);
      expect(diff.files.map((f) => f.status)).toEqual(['added', 'added']);
    } finally {
      await repo.cleanup();
    }
  });

  it('nothing staged: no files', async () => {
    const repo = await repoWith([{ files: { 'a.txt': 'x\n' } }]);
    try {
      await writeFiles(repo.path, { 'a.txt': 'unstaged\n', 'untracked.txt': 'u\n' });
      expect(await staged(repo.path)).toEqual({ files: [], additions: 0, deletions: 0 });
    } finally {
      await repo.cleanup();
    }
  });

  it('staged renames with git\u2019s similarity index; pairs git scores below 50% are a deletion and an addition', async () => {
    const repo = await repoWith([{ files: { 'a.txt': numbered(10), 'b.txt': 'one\ntwo\nthree\nfour\nfive\nsix\n' } }]);
    try {
      await git(repo.path, ['mv', 'a.txt', 'a2.txt']);
      await writeFiles(repo.path, { 'a2.txt': edit(numbered(10), { 2: 'two', 7: 'seven' }), 'b.txt': null });
      await writeFiles(repo.path, { 'b2.txt': 'one\nTWO\nthree\nFOUR\nfive\nSIX\nseven\n' });
      await git(repo.path, ['add', '-A']);
      const diff = await expectSameAsGit(repo.path);
      expect(diff.files.map((f) => [f.status, f.path])).toEqual([
        ['renamed', 'a2.txt'],
        ['deleted', 'b.txt'],
        ['added', 'b2.txt'],
      ]);
    } finally {
      await repo.cleanup();
    }
  });

  it('es-git: a conflicted index is an error (git diff --cached prints "* Unmerged path")', async () => {
    const repo = await repoWith([{ files: { 'f.txt': 'base\n' } }]);
    try {
      await git(repo.path, ['switch', '-q', '-c', 'other']);
      await writeFile(join(repo.path, 'f.txt'), 'other\n');
      await git(repo.path, ['commit', '-q', '-am', 'other']);
      await git(repo.path, ['switch', '-q', 'main']);
      await writeFile(join(repo.path, 'f.txt'), 'main\n');
      await git(repo.path, ['commit', '-q', '-am', 'main']);
      await expect(git(repo.path, ['merge', 'other'])).rejects.toThrow();
      expect(await gitOut(repo.path, ['diff', '--cached'])).toContain('* Unmerged path f.txt');
      await expect(staged(repo.path)).rejects.toMatchObject({ code: 'GITFLEET_GIT_COMMAND_FAILED', message: expect.stringContaining('unmerged') });
    } finally {
      await repo.cleanup();
    }
  });
});

describe('differences from git', () => {
  it("es-git: ambiguous insertions can be placed differently (git's indent heuristic is not reproduced); the patch is still valid", async () => {
    const before = 'const a = 1;\n\n/**\n * B.\n */\nexport function b() {}\n';
    const after = 'const a = 1;\n\n/**\n * New.\n */\nexport function n() {}\n\n/**\n * B.\n */\nexport function b() {}\n';
    const repo = await repoWith([{ files: { 'f.ts': before } }]);
    try {
      await writeFiles(repo.path, { 'f.ts': after });
      await git(repo.path, ['add', 'f.ts']);
      const [file] = (await staged(repo.path)).files;
      const ours = Buffer.from(file!.patch).toString('utf8');
      const theirs = (await oracleStagedPatch(repo.path)).toString('utf8');
      // Same counts, different slice of the repeated "/**" block.
      expect([file!.additions, file!.deletions]).toEqual([5, 0]);
      expect(ours).not.toBe(theirs);
      expect(theirs).toContain('+/**\n+ * New.\n+ */\n+export function n() {}\n+\n /**\n');
      expect(ours).toContain(' /**\n+ * New.\n+ */\n+export function n() {}\n+\n+/**\n');
      // Reverting our patch from the index must work, so it describes the same change.
      const patchFile = join(repo.path, '..', `${Date.now()}-ours.patch`);
      await writeFile(patchFile, ours);
      try {
        await git(repo.path, ['apply', '--cached', '--check', '-R', patchFile]);
      } finally {
        await rm(patchFile, { force: true });
      }
    } finally {
      await repo.cleanup();
    }
  });

  it('es-git: .gitattributes diff drivers (funcname patterns, textconv) are not applied', async () => {
    const source = 'class K:\n    def one(self):\n        a = 1\n        b = 2\n        c = 3\n        d = 4\n        e = 5\n';
    const repo = await repoWith([{ files: { '.gitattributes': '*.py diff=python\n', 'f.py': source } }]);
    try {
      await writeFiles(repo.path, { 'f.py': source.replace('e = 5', 'e = 50') });
      await git(repo.path, ['add', 'f.py']);
      const [file] = (await staged(repo.path)).files;
      const heading = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('@@'));
      expect(heading((await oracleStagedPatch(repo.path)).toString('utf8'))).toBe('@@ -4,4 +4,4 @@ def one(self):');
      expect(heading(Buffer.from(file!.patch).toString('utf8'))).toBe('@@ -4,4 +4,4 @@ class K:');
    } finally {
      await repo.cleanup();
    }
  });
});

describe('symlink targets in the working tree do not matter', () => {
  it('a staged symlink is diffed as its link text', async () => {
    const repo = await repoWith([{ files: { 'a.txt': 'x\n' } }]);
    try {
      await symlink('does/not/exist', join(repo.path, 'dangling'));
      await git(repo.path, ['add', 'dangling']);
      await expectSameAsGit(repo.path);
    } finally {
      await repo.cleanup();
    }
  });
});

describe('object id abbreviations', () => {
  it('grow past 7 hex digits when another object shares the prefix, like git', async () => {
    const { createHash } = await import('node:crypto');
    const blobId = (text: string): string => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');
    // Birthday search for two blobs whose ids share 7 hex digits (~16k candidates).
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const text = `candidate ${i}\n`;
      const prefix = blobId(text).slice(0, 7);
      const other = seen.get(prefix);
      if (other === undefined) seen.set(prefix, text);
      else pair = [other, text];
    }
    const repo = await repoWith([{ files: { 'f.txt': pair[0] } }]);
    try {
      await git(repo.path, ['hash-object', '-w', '--stdin'], { input: pair[1] });
      await writeFiles(repo.path, { 'f.txt': 'changed\n' });
      await git(repo.path, ['add', 'f.txt']);
      const diff = await expectSameAsGit(repo.path);
      expect(Buffer.from(diff.files[0]!.patch).toString('utf8')).toMatch(/\nindex [0-9a-f]{8}\.\.[0-9a-f]{7} 100644\n/);
    } finally {
      await repo.cleanup();
    }
  });
});
