import { describe, expect, test } from 'vitest';
import { appendFile } from 'node:fs/promises';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { git, gitText } from '@gitfleet/test-kit';
import { buildLocalMessage, imperativeVerb, modelInfo, normalizeSubject, parseDiff, parseModelJson, resolveMaxInputTokens, stripThinking } from '../src/index.js';
import { countTokens } from '../src/diff/count-tokens.js';
import { quickFacts } from '../src/read-source.js';
import { waterFill } from '../src/diff/water-fill.js';
import { analysisOutput } from '../src/output/schemas.js';
import { stagedRepo } from './helpers.js';

describe('parseDiff on real git output', () => {
  test('modified, added, deleted, renamed with edits, binary, mode change, quoted path', async () => {
    await using repo = await stagedRepo(
      { 'keep.txt': 'a\nb\nc\n', 'gone.txt': 'bye\n', 'old/name.txt': 'l1\nl2\nl3\nl4\nl5\nl6\n', 'tool.sh': 'echo\n' },
      {
        'keep.txt': 'a\nB\nc\n',
        'gone.txt': null,
        'new file.txt': 'hi\n',
        'tab\tname.txt': 'x\n',
        'img.bin': new Uint8Array([0, 1, 2, 0, 255]),
        'tool.sh': { content: 'echo\n', executable: true },
      },
      [['old/name.txt', 'new/name.txt']],
    );
    await appendFile(`${repo.path}/new/name.txt`, 'l7\n');
    await git(repo.path, ['add', '-A']);
    const text = await gitText(repo.path, ['diff', '--cached']);
    const files = parseDiff(text);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['gone.txt', 'img.bin', 'keep.txt', 'new file.txt', 'new/name.txt', 'tab\tname.txt', 'tool.sh']);
    expect(byPath['keep.txt']).toMatchObject({ status: 'modified', additions: 1, deletions: 1 });
    expect(byPath['gone.txt']).toMatchObject({ status: 'deleted', deletions: 1 });
    expect(byPath['new file.txt']).toMatchObject({ status: 'added', additions: 1 });
    expect(byPath['new/name.txt']).toMatchObject({ status: 'renamed', oldPath: 'old/name.txt', additions: 1 });
    expect(byPath['img.bin']).toMatchObject({ binary: true, status: 'added' });
    expect(byPath['tool.sh']).toMatchObject({ modeChange: { from: '100644', to: '100755' }, hunks: [] });
    expect(byPath['keep.txt']!.hunks[0]).toBe('@@ -1,3 +1,3 @@\n a\n-b\n+B\n c');
  });

  test('plain diff -u and git log -p framing', () => {
    const plain = parseDiff('--- a.txt\t2024-01-01\n+++ a.txt\t2024-01-02\n@@ -1 +1 @@\n-x\n+y\n');
    expect(plain).toMatchObject([{ path: 'a.txt', additions: 1, deletions: 1 }]);
    const log = parseDiff('commit abc\nAuthor: A\n\n    msg\n\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-1\n+2\ncommit def\n\ndiff --git a/g b/g\nnew file mode 100644\n');
    expect(log.map((f) => [f.path, f.status])).toEqual([
      ['f', 'modified'],
      ['g', 'added'],
    ]);
  });

  test('quick facts (the fallback before parsing) name every file of a diff text', () => {
    const text = 'diff --git a/x b/x\n+1\ndiff --git a/my file.ts b/my file.ts\r\n+2\n+diff --git a/no b/no\ndiff --git a/last b/last';
    expect(quickFacts({ kind: 'text', text }).map((f) => f.path)).toEqual(['x', 'my file.ts', 'last']);
  });

  test('a removed SQL comment line ("-- x") does not start a new file', () => {
    const files = parseDiff('diff --git a/q.sql b/q.sql\n--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n--- old comment\n+++ new comment\n select 1;\n');
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ additions: 1, deletions: 1 });
  });
});

describe('subject normalisation', () => {
  test.each([
    ['Added', 'Add'],
    ['Adds', 'Add'],
    ['Fixed', 'Fix'],
    ['Fixes', 'Fix'],
    ['Updated', 'Update'],
    ['Updating', 'Update'],
    ['Simplified', 'Simplify'],
    ['Dropped', 'Drop'],
    ['Running', 'Run'],
    ['Wrote', 'Write'],
    ['README', 'README'],
    ['Initial', 'Initial'],
  ])('%s -> %s', (word, base) => expect(imperativeVerb(word)).toBe(base));

  test('labels, quotes, periods, length', () => {
    expect(normalizeSubject('Subject: "Removed the old cache."', { maxLength: 72, conventional: false })).toBe('Remove the old cache');
    expect(normalizeSubject('<think>x</think>\n\nfix typo\nmore text', { maxLength: 72, conventional: false })).toBe('Fix typo');
    const long = normalizeSubject('Add a very long subject line that goes on and on about the change with details', { maxLength: 40, conventional: false });
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).not.toMatch(/\s(and|with|the|on)$/);
    expect(normalizeSubject('Add API client', { maxLength: 72, conventional: true, type: 'feat', scope: 'Net Work' })).toBe('feat(net-work): Add API client'.replace('Add', 'add'));
    expect(normalizeSubject('API: expose x', { maxLength: 72, conventional: true, type: 'feat' })).toBe('feat: API: expose x');
  });
});

describe('JSON output parsing', () => {
  test('think blocks, fences, prose, trailing commas; wrong shapes rejected', () => {
    expect(stripThinking('<think>a</think>b')).toBe('b');
    expect(stripThinking('reasoning</think>answer')).toBe('answer');
    expect(stripThinking('<think>never closed')).toBe('');
    const ok = parseModelJson('```json\n{"theme": "t", "files": [{"path": "a", "summary": "s", "impact": 9},]}\n```', analysisOutput);
    expect(ok).toEqual({ ok: true, repaired: true, value: { theme: 't', files: [{ path: 'a', summary: 's', impact: 5 }] } });
    expect(parseModelJson('no json here', analysisOutput)).toEqual({ ok: false, error: 'no JSON object in the answer' });
    expect(parseModelJson('{"theme": "x", "files": [1]}', analysisOutput)).toMatchObject({ ok: true, value: { files: [] } });
  });
});

describe('budgets', () => {
  test('water-filling: small items whole, a fair share for the big ones', () => {
    expect(waterFill([100, 5000, 300, 8000], 3000)).toEqual([100, 1300, 300, 1300]);
    expect(waterFill([1, 2, 3], 100)).toEqual([1, 2, 3]);
    expect(waterFill([10, 10], 5).reduce((a, b) => a + b)).toBeLessThanOrEqual(5);
  });

  test('tokenizers per model and the input budget', () => {
    expect(modelInfo('gpt-4o-mini')).toMatchObject({ encoding: 'o200k_base', exactTokenizer: true, contextWindow: 128_000 });
    expect(modelInfo('gpt-4')).toMatchObject({ encoding: 'cl100k_base', exactTokenizer: true, contextWindow: 8_192 });
    expect(modelInfo('claude-sonnet-4-5')).toMatchObject({ encoding: 'cl100k_base', exactTokenizer: false, contextWindow: 200_000 });
    expect(modelInfo('o4-mini')).toMatchObject({ reasoning: true });
    expect(resolveMaxInputTokens({ provider: 'openai', maxInputTokens: 4000 }, modelInfo('gpt-4.1'))).toBe(4000);
    expect(resolveMaxInputTokens({ provider: 'openai' }, modelInfo('gpt-4'))).toBe(4096);
    expect(resolveMaxInputTokens({ provider: 'ollama' }, modelInfo('llama3.2'))).toBe(Math.floor(8192 * 0.85));
  });

  test('token counts are exact on code and linear on huge unbroken runs', () => {
    const code = 'export function answer(): number {\n  return 42; // the answer\n}\n';
    expect(countTokens(code, 'o200k_base')).toBe(o200k(code));
    const blob = 'QUJD'.repeat(50_000);
    const n = countTokens(blob, 'o200k_base');
    expect(n).toBeGreaterThan(blob.length / 8);
    expect(countTokens('<|endoftext|>', 'cl100k_base')).toBeGreaterThan(1);
  });
});

describe('local message', () => {
  const fact = (path: string, status: 'added' | 'modified' | 'deleted' | 'renamed' = 'modified', oldPath: string | null = null) => ({ path, oldPath, status, additions: 3, deletions: 1, binary: false });
  test('one file, many files, renames, conventional', () => {
    expect(buildLocalMessage([fact('src/a.ts', 'added')], { maxLength: 72, conventional: false }).subject).toBe('Add src/a.ts');
    const many = buildLocalMessage([fact('src/parser/a.ts'), fact('src/parser/b.ts'), fact('src/parser/c.ts')], { maxLength: 72, conventional: false });
    expect(many.subject).toBe('Update 3 files in src/parser');
    expect(many.body.split('\n')).toHaveLength(3);
    expect(buildLocalMessage([fact('b.ts', 'renamed', 'a.ts')], { maxLength: 72, conventional: false }).subject).toBe('Rename a.ts to b.ts');
    expect(buildLocalMessage([fact('docs/guide.md'), fact('README.md')], { maxLength: 72, conventional: true }).subject).toBe('docs: update 2 files');
    expect(buildLocalMessage([fact('packages/git/src/x.ts'), fact('packages/git/test/x.test.ts')], { maxLength: 72, conventional: true }).subject).toBe('chore(git): update 2 files in packages/git');
    const lots = buildLocalMessage(Array.from({ length: 30 }, (_, i) => fact(`f${String(i)}.txt`)), { maxLength: 72, conventional: false });
    expect(lots.body).toMatch(/and 10 more files$/);
    expect(buildLocalMessage([], { maxLength: 72, conventional: false }).subject).toBe('Empty commit');
  });
});
