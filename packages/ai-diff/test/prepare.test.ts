import { afterAll, describe, expect, test } from 'vitest';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { destroyAiDiffPool, getAiDiffPool, parseDiff, prepareDiff, type PreparedDiff } from '../src/index.js';
import { countTokens } from '../src/diff/count-tokens.js';
import { TokenTally } from '../src/diff/token-tally.js';
import { waterFill, waterFillLazy } from '../src/diff/water-fill.js';

afterAll(() => destroyAiDiffPool());

const PLAIN = { disallowedSpecial: new Set<string>() };
const exact = { o200k_base: (t: string) => o200k(t, PLAIN), cl100k_base: (t: string) => cl100k(t, PLAIN) } as const;

/** A small deterministic generator (tests must not depend on luck). */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

/** Lines meant to hit every way a line break can join its neighbours in BPE pre-tokenization. */
const AWKWARD = [
  '',
  ' ',
  '   ',
  '\t',
  ' \t ',
  '\r',
  ' \r',
  '/',
  '//',
  '/* comment */',
  ' // trailing',
  '+',
  '-',
  '+   ',
  ';',
  ');',
  '}',
  '  }',
  '\u00a0',
  '\u00a0x',
  '\u3000全角',
  'émoji 😀 ünïcode',
  "it's 'quoted'",
  '12345678',
  '<|endoftext|>',
  `+${'QUJD'.repeat(80)}`,
  `${' '.repeat(3)}${'x'.repeat(300)} tail`,
];

function awkwardLine(next: (n: number) => number): string {
  const words = ['export', 'const', 'value', '=', '(', ')', ';', '/', ' ', '\t', 'É', '42', '\r', '"', '{'];
  if (next(3) === 0) return AWKWARD[next(AWKWARD.length)]!;
  let line = ['+', '-', ' ', '', '/', '\t', '@'][next(7)]!;
  for (let i = next(12); i > 0; i--) line += words[next(words.length)]!;
  return line;
}

describe('exact counts from line counts', () => {
  test('a text counted piece by piece (TokenTally) has the count of the whole text, in both encodings', () => {
    const next = random(7);
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      for (let round = 0; round < 300; round++) {
        const lines = Array.from({ length: 1 + next(25) }, () => awkwardLine(next));
        const pieces = lines.map((line, i) => (i === lines.length - 1 && next(2) === 0 ? line : `${line}\n`));
        const tally = new TokenTally((text) => countTokens(text, encoding));
        for (const piece of pieces) tally.add(piece, countTokens(piece, encoding));
        expect(tally.tokens, JSON.stringify(pieces)).toBe(countTokens(pieces.join(''), encoding));
      }
    }
  });

  test('lines with runs of 256+ non-space characters count as their bytes: never below the real count', () => {
    const next = random(5);
    for (const line of ['   ' + 'x'.repeat(300) + ' tail', '+' + '/'.repeat(600), `+${'QUJD'.repeat(80)}`, '0'.repeat(900), 'é'.repeat(400)]) {
      const text = `+before\n${line}\n after ${String(next(9))}\n`;
      for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
        expect(countTokens(text, encoding)).toBeGreaterThanOrEqual(exact[encoding](text));
        expect(countTokens(text, encoding)).toBeLessThanOrEqual(Buffer.byteLength(text));
      }
    }
    expect(countTokens('x'.repeat(1000), 'o200k_base')).toBe(1000);
  });

  test('without long runs, that is the tokenizer’s own count', () => {
    const pieces = ['@@ -1,4 +1,4 @@\n', ' \n', '-a;\n', '+/b\n', '\n', '  \n', ' c\r\n', '</diff>'];
    const tally = new TokenTally(exact.o200k_base);
    for (const piece of pieces) tally.add(piece);
    expect(tally.tokens).toBe(exact.o200k_base(pieces.join('')));
  });
});

/** A diff of `files` files with awkward lines (blank, CRLF, unicode, long runs, `/` lines). */
function awkwardDiff(files: number, lines: number, seed: number): string {
  const next = random(seed);
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const path = `src/dir${String(f % 7)}/file-${String(f)}.ts`;
    out.push(`diff --git a/${path} b/${path}`, 'index 1111111..2222222 100644', `--- a/${path}`, `+++ b/${path}`);
    for (let h = 0; h < 1 + (f % 3); h++) {
      out.push(`@@ -${String(h * 50 + 1)},${String(lines)} +${String(h * 50 + 1)},${String(lines)} @@ function f${String(h)}()`);
      for (let l = 0; l < lines; l++) {
        const line = awkwardLine(next);
        const sign = ['+', '-', ' '][next(3)]!;
        out.push(`${sign}${line.replace(/^[-+ ]/, '')}${next(9) === 0 ? '\r' : ''}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

function messages(prepared: PreparedDiff): { user: string; tokens: number }[] {
  if (prepared.plan.mode === 'map') return prepared.plan.parts;
  if (prepared.plan.mode === 'single') return [prepared.plan.message];
  return [];
}

describe('the plan', () => {
  test('every planned message has exactly the tokens the tokenizer counts, within the budget', async () => {
    const diff = awkwardDiff(60, 40, 11);
    for (const [model, maxInputTokens, encoding] of [
      ['gpt-4.1-mini', 3000, 'o200k_base'],
      ['gpt-4.1-mini', 60_000, 'o200k_base'],
      ['gpt-4', 2500, 'cl100k_base'],
    ] as const) {
      const prepared = await prepareDiff({ diff, model, maxInputTokens, concurrency: 4 });
      expect(prepared.plan.mode).toBe(maxInputTokens > 50_000 ? 'single' : 'map');
      const stage = prepared.plan.mode === 'single' ? 'single' : 'map';
      for (const message of messages(prepared)) {
        // Exact, but for the lines with long runs, counted as bytes: an upper bound.
        expect(message.tokens).toBe(countTokens(message.user, encoding));
        expect(message.tokens).toBeGreaterThanOrEqual(exact[encoding](message.user));
        expect(message.tokens).toBeLessThanOrEqual(prepared.budgets[stage]);
      }
    }
  });

  test('a file far over its share is counted only so far: the total is an estimate, the plan still exact', async () => {
    const small = Array.from({ length: 5 }, (_, f) => `diff --git a/s${String(f)}.ts b/s${String(f)}.ts\n--- a/s${String(f)}.ts\n+++ b/s${String(f)}.ts\n@@ -1 +1 @@\n-old ${String(f)}\n+new ${String(f)}`);
    const hugeLines = Array.from({ length: 20_000 }, (_, i) => `+export const row${String(i)} = { id: ${String(i)}, label: 'row number ${String(i)}' };`);
    const huge = `diff --git a/data.ts b/data.ts\nnew file mode 100644\n--- /dev/null\n+++ b/data.ts\n@@ -0,0 +1,20000 @@\n${hugeLines.join('\n')}`;
    const diff = `${[...small, huge].join('\n')}\n`;
    const prepared = await prepareDiff({ diff, maxInputTokens: 4000, maxMapCalls: 4, concurrency: 4 });
    expect(prepared.plan.mode).toBe('map');
    if (prepared.plan.mode !== 'map') return;
    expect(prepared.plan.truncated).toEqual(['data.ts']);
    for (const part of prepared.plan.parts) expect(part.tokens).toBe(exact.o200k_base(part.user));
    const all = prepared.plan.parts.map((p) => p.user).join('\n');
    for (let f = 0; f < 5; f++) expect(all).toContain(`+new ${String(f)}`);
    expect(all).toContain('[1 more hunk of data.ts not shown; the file has +20000 -0 lines in all]');
    // About 20,000 lines of ~25 tokens: the estimate is near the exact count of the content.
    const content = exact.o200k_base(hugeLines.map((l) => `${l}\n`).join(''));
    expect(prepared.diffTokensExact).toBe(false);
    expect(Math.abs(prepared.diffTokens - content) / content).toBeLessThan(0.1);
  });

  test('a diff that fits is counted exactly', async () => {
    const prepared = await prepareDiff({ diff: awkwardDiff(3, 10, 3), maxInputTokens: 50_000 });
    expect(prepared.plan.mode).toBe('single');
    expect(prepared.diffTokensExact).toBe(true);
    expect(prepared.diffTokens).toBeGreaterThan(0);
  });

  test('a helper worker counting into the shared table changes nothing in the result', async () => {
    const diff = awkwardDiff(900, 60, 5); // over 1 MB: a helper task joins in when the pool has 2 threads
    expect(diff.length).toBeGreaterThan(1 << 20);
    const options = { diff, maxInputTokens: 8000, concurrency: 8 };
    await destroyAiDiffPool();
    getAiDiffPool({ maxThreads: 1 });
    const alone = await prepareDiff(options);
    await destroyAiDiffPool();
    getAiDiffPool({ maxThreads: 2 });
    const helped = await prepareDiff(options);
    const again = await prepareDiff(options);
    await destroyAiDiffPool();
    expect(helped).toEqual(alone);
    expect(again).toEqual(alone);
    for (const message of messages(helped)) expect(message.tokens).toBe(countTokens(message.user, 'o200k_base'));
  });
});

describe('parsing and water-filling', () => {
  test('CRLF diffs: hunks come back without the carriage returns', () => {
    const [file] = parseDiff('diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1,2 +1,2 @@\r\n-a\r\n+b\r\n c\r\n');
    expect(file).toMatchObject({ path: 'x', additions: 1, deletions: 1, hunks: ['@@ -1,2 +1,2 @@\n-a\n+b\n c'] });
  });

  test('lazy water-filling gives what water-filling gives, measuring big items only up to the level', () => {
    const next = random(3);
    for (let round = 0; round < 200; round++) {
      const sizes = Array.from({ length: 1 + next(30) }, () => next(3) === 0 ? next(5000) : next(300));
      const capacity = next(20_000);
      const asked: number[] = [];
      const lazy = waterFillLazy(sizes.length, capacity, (i, cap) => {
        asked.push(cap);
        return Math.min(sizes[i]!, cap + 1);
      });
      const eager = waterFill(sizes, capacity);
      const level = Math.max(...asked);
      sizes.forEach((size, i) => {
        if (size <= level) expect(lazy[i]).toBe(size);
        else expect(Math.abs(lazy[i]! - eager[i]!)).toBeLessThanOrEqual(1);
      });
      expect(lazy.reduce((a, b) => a + b, 0)).toBe(eager.reduce((a, b) => a + b, 0));
    }
  });
});
