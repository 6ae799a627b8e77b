// The staged diff on changes that make `git diff --cached` print something other than one
// patch per --raw entry. Found replaying nodejs/undici 0f1f890318 (a symlink that became a file):
// git prints a type change as two patches (the old side deleted, the new one added).
import { commitFiles, createEmptyRepo, git, writeFiles, type TempRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineSet, openRepository, type EngineName } from '../src/index.js';

const ENGINES: EngineName[] = process.env['GF_ENGINES'] ? (process.env['GF_ENGINES'].split(',') as EngineName[]) : ['git', 'es-git'];

let repo: TempRepo;
const engines = new EngineSet();

beforeAll(async () => {
  repo = await createEmptyRepo();
  await commitFiles(
    repo.path,
    {
      'docs/README.md': { symlink: '../README.md' },
      'README.md': '# readme\n',
      'to-link.txt': 'a file that becomes a symlink\n',
      'link-deleted': { symlink: 'README.md' },
      'docs/.nojekyll': '',
      'empty-modified': '',
      'mode-only.sh': { content: 'echo hi\n', executable: false },
      'header-like.txt': 'diff --git a/x b/x\n--- a/x\n+++ b/x\n',
      'moved.txt': Array.from({ length: 20 }, (_, i) => `line ${String(i)}\n`).join(''),
    },
    { message: 'Start' },
  );
  await writeFiles(repo.path, {
    // The undici case: a symlink replaced by a regular file, beside a deleted empty file.
    'docs/README.md': '# docs\n\nNow a file of its own.\n',
    'docs/.nojekyll': null,
    'to-link.txt': { symlink: 'README.md' },
    'link-deleted': null,
    'empty-modified': 'no longer empty\n',
    'mode-only.sh': { content: 'echo hi\n', executable: true },
    'header-like.txt': 'diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n',
    'moved.txt': null,
    'dir/moved.txt': Array.from({ length: 20 }, (_, i) => `line ${String(i)}\n`).join(''),
    'new-empty': '',
    'tab\tand "quote".txt': 'odd name\n',
  });
  await git(repo.path, ['add', '-A']);
});

afterAll(async () => {
  await engines.close();
  await repo?.cleanup();
});

/** `git diff --cached --raw -z` as [status letter, path] pairs, in git's order. */
async function oracleEntries(path: string): Promise<[string, string][]> {
  const tokens = (await git(path, ['diff', '--cached', '--raw', '-z', '-M'])).toString('utf8').split('\0');
  const out: [string, string][] = [];
  for (let i = 0; i < tokens.length - 1; ) {
    const status = tokens[i]!.split(' ')[4]!.charAt(0);
    const two = status === 'R' || status === 'C';
    out.push([status, tokens[two ? i + 2 : i + 1]!]);
    i += two ? 3 : 2;
  }
  return out;
}

describe.each(ENGINES)('engine %s', (engine) => {
  it('a type change is one file whose patch is both of git\'s patches; every other file is one patch', async () => {
    const opened = await openRepository(repo.path, { engine, engines, cache: false });
    const diff = await opened.stagedDiff();
    const letter = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', typechange: 'T' } as const;
    expect(diff.files.map((f) => [letter[f.status], f.path])).toEqual(await oracleEntries(repo.path));

    const readme = diff.files.find((f) => f.path === 'docs/README.md')!;
    expect(readme.status).toBe('typechange');
    const text = Buffer.from(readme.patch).toString('utf8');
    expect(text.match(/^diff --git /gm)).toHaveLength(2);
    expect(text).toContain('deleted file mode 120000');
    expect(text).toContain('new file mode 100644');
    expect([readme.additions, readme.deletions]).toEqual([3, 1]);

    if (engine === 'git') {
      // Byte-exact: the files' patches joined are git's whole output, in order.
      const full = await git(repo.path, ['diff', '--cached', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/']);
      expect(Buffer.concat(diff.files.map((f) => Buffer.from(f.patch))).equals(full)).toBe(true);
    }
  });
});
