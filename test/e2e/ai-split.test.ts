import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, git, gitText, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, HOME_ENV } from './ai-helpers.js';
import { KEYS, plain, runInPty } from './pty.js';

// `gitfleet commit --split` with real `git commit`s: git is the oracle for what was committed,
// and the index file's bytes and HEAD for "nothing changed".
let server: LlmServer;
let repo: TempRepo;

const GROUPS = [
  { files: ['src/parser.ts', 'test/parser.test.ts'], subject: 'Handle empty hunks', body: 'The parser skipped them.', type: 'fix', scope: 'parser' },
  { files: ['docs/guide.md', 'docs/renamed.md'], subject: 'Write the guide', body: '', type: 'docs', scope: '' },
  { files: ['old.txt', 'package.json'], subject: 'Drop old.txt and name the package', body: '', type: 'build', scope: '' },
];

beforeAll(async () => {
  server = await startLlmServer({ handler: () => ({ json: { groups: GROUPS } }) });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  server.requests.length = 0;
  repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'src/parser.ts': 'export const p = 1;\n', 'docs/old.md': '# old\n', 'old.txt': 'old\n', 'notes.txt': 'n1\n' }, { message: 'Initial commit' });
  await writeFile(join(repo.path, 'src/parser.ts'), 'export const p = 2;\n');
  await mkdir(join(repo.path, 'test'));
  await writeFile(join(repo.path, 'test/parser.test.ts'), 'test("p", () => {});\n');
  await writeFile(join(repo.path, 'docs/guide.md'), '# Guide\n');
  await writeFile(join(repo.path, 'package.json'), '{"name":"x"}\n');
  await git(repo.path, ['mv', 'docs/old.md', 'docs/renamed.md']);
  await git(repo.path, ['rm', '-q', 'old.txt']);
  await git(repo.path, ['add', '-A', 'src', 'test', 'docs', 'package.json']);
  // An unstaged change that no commit may take.
  await writeFile(join(repo.path, 'notes.txt'), 'n2 unstaged\n');
});
afterEach(async () => {
  await repo?.cleanup();
});

/**
 * What must not change when a split is declined or fails. Read without writing the index (git
 * status refreshes it and write-tree stores its cache tree): write-tree runs on a copy.
 */
async function snapshot(): Promise<{ index: string; head: string; stagedTree: string; status: string }> {
  const bytes = await readFile(join(repo.path, '.git', 'index'));
  const copy = join(repo.path, '.git', 'index-copy');
  await writeFile(copy, bytes);
  return {
    index: createHash('sha256').update(bytes).digest('hex'),
    head: await gitText(repo.path, ['rev-parse', 'HEAD']),
    stagedTree: await gitText(repo.path, ['write-tree'], { env: { GIT_INDEX_FILE: copy } }),
    status: await gitText(repo.path, ['--no-optional-locks', 'status', '--porcelain']),
  };
}

const files = async (rev: string): Promise<string> => gitText(repo.path, ['show', '--name-status', '--format=', '-M', rev]);

describe('gitfleet commit --split', () => {
  it('--yes makes one commit per group, in order, each from the staged content; the working tree is untouched', async () => {
    const before = await snapshot();
    const r = await gitfleet(repo.path, ['commit', '--split', '--yes', '--conventional'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(r.stderr).toContain(
      [
        'gitfleet: split into 3 commits:',
        'gitfleet:   1. fix(parser): handle empty hunks',
        'gitfleet:        src/parser.ts',
        'gitfleet:        test/parser.test.ts',
        'gitfleet:   2. docs: write the guide',
        'gitfleet:        docs/guide.md',
        'gitfleet:        docs/renamed.md (renamed from docs/old.md)',
        '',
      ].join('\n'),
    );
    expect(await gitText(repo.path, ['log', '--format=%s', '-4'])).toBe('build: drop old.txt and name the package\ndocs: write the guide\nfix(parser): handle empty hunks\nInitial commit\n');
    expect(await gitText(repo.path, ['log', '-1', '--format=%B', 'HEAD~2'])).toBe('fix(parser): handle empty hunks\n\nThe parser skipped them.\n\n');
    expect(await files('HEAD~2')).toBe('M\tsrc/parser.ts\nA\ttest/parser.test.ts\n');
    expect(await files('HEAD~1')).toBe('A\tdocs/guide.md\nR100\tdocs/old.md\tdocs/renamed.md\n');
    expect(await files('HEAD')).toBe('D\told.txt\nA\tpackage.json\n');
    // The last commit's tree is what was staged; only the unstaged change is left.
    expect(await gitText(repo.path, ['rev-parse', 'HEAD^{tree}'])).toBe(before.stagedTree);
    expect(await gitText(repo.path, ['status', '--porcelain'])).toBe(' M notes.txt\n');
    expect(await readFile(join(repo.path, 'notes.txt'), 'utf8')).toBe('n2 unstaged\n');
  });

  it('a failing commit (a pre-commit hook that fails the second time) undoes the first: HEAD and the index bytes are as before', async () => {
    await writeFile(
      join(repo.path, '.git', 'hooks', 'pre-commit'),
      '#!/bin/sh\nn=$(cat "$(git rev-parse --git-dir)/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$(git rev-parse --git-dir)/n"\n[ "$n" -lt 2 ] || { echo "pre-commit: no" >&2; exit 1; }\n',
      { mode: 0o755 },
    );
    const before = await snapshot();
    const r = await gitfleet(repo.path, ['commit', '--split', '--yes'], aiEnv(server));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pre-commit: no');
    expect(r.stderr).toMatch(/gitfleet: git commit of commit 2 of 3 exited with code 1; the 1 commit made before were undone, HEAD and the index are as they were/);
    expect(await snapshot()).toEqual(before);
    expect(await gitText(repo.path, ['log', '--format=%s'])).toBe('Initial commit\n');
  });

  it.skipIf(!existsSync('/usr/bin/script'))('declined on a terminal: nothing changes, not even the index file', async () => {
    const before = await snapshot();
    const run = await runInPty(['commit', '--split'], { cwd: repo.path, env: { ...HOME_ENV(), ...aiEnv(server) }, steps: [{ after: 'Make these 3 commits?', keys: `n${KEYS.enter}` }] });
    expect(run.code).toBe(1);
    expect(plain(run.raw)).toContain('split declined; nothing was committed, the index is unchanged');
    expect(await snapshot()).toEqual(before);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('confirmed on a terminal: the commits are made', async () => {
    const run = await runInPty(['commit', '--split'], { cwd: repo.path, env: { ...HOME_ENV(), ...aiEnv(server) }, steps: [{ after: 'Make these 3 commits?', keys: `y${KEYS.enter}` }] });
    expect(run.code, plain(run.raw)).toBe(0);
    expect(await gitText(repo.path, ['rev-list', '--count', 'HEAD'])).toBe('4\n');
  });

  it('off a terminal without --yes: usage error, nothing sent; --split with --all is refused', async () => {
    const before = await snapshot();
    const r = await gitfleet(repo.path, ['commit', '--split'], aiEnv(server));
    expect(r.code).toBe(2);
    const all = await gitfleet(repo.path, ['commit', '--split', '--all', '--yes'], aiEnv(server));
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('--split works on the staged changes');
    expect(server.requests).toHaveLength(0);
    expect(await snapshot()).toEqual(before);
  });
});
