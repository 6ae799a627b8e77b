// Pure helpers of the es-git engine: line diff, git's similarity estimate, path quoting.
import { git, mulberry32, writeFiles } from '@gitfleet/test-kit';
import { describe, expect, it } from 'vitest';
import { quotePath, splitLines } from '../../src/engines/es-git/bytes.js';
import { parseDate } from '../../src/engines/es-git/history.js';
import { countChanges, diffLines, type LineChange } from '../../src/engines/es-git/line-diff.js';
import { similarityIndex } from '../../src/engines/es-git/similarity.js';
import { gitOut, repoWith } from './helpers.js';

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = a.length - 1; i >= 0; i--) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = b.length - 1; j >= 0; j--) current[j] = a[i] === b[j] ? previous[j + 1]! + 1 : Math.max(previous[j]!, current[j + 1]!);
    previous = current;
  }
  return previous[0]!;
}

function apply(a: readonly string[], b: readonly string[], changes: readonly LineChange[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const change of changes) {
    while (i < change.oldStart) out.push(a[i++]!);
    out.push(...b.slice(change.newStart, change.newStart + change.newCount));
    i += change.oldCount;
  }
  return [...out, ...a.slice(i)];
}

describe('diffLines', () => {
  it('is a minimal, correct edit script (5000 random cases against an LCS table)', () => {
    const random = mulberry32(42);
    for (let trial = 0; trial < 5000; trial++) {
      const alphabet = 1 + Math.floor(random() * 4);
      const make = (): string[] => Array.from({ length: Math.floor(random() * 14) }, () => `${'abcd'[Math.floor(random() * alphabet)]}\n`);
      const a = make();
      const b = make();
      const changes = diffLines(a, b);
      const common = lcsLength(a, b);
      expect(countChanges(changes)).toEqual({ additions: b.length - common, deletions: a.length - common });
      expect(apply(a, b, changes)).toEqual(b);
    }
  });

  it('places ambiguous runs as low as equal lines allow, as git does', () => {
    // git diff: " x\n a\n a\n+a\n y" and " k\n {\n-{\n-{\n }"
    expect(diffLines(splitLines('x\na\na\ny\n'), splitLines('x\na\na\na\ny\n'))).toEqual([{ oldStart: 3, oldCount: 0, newStart: 3, newCount: 1 }]);
    expect(diffLines(splitLines('k\n{\n{\n{\n}\n'), splitLines('k\n{\n}\n'))).toEqual([{ oldStart: 2, oldCount: 2, newStart: 2, newCount: 0 }]);
  });

  it('stays fast on a 20k-line rewrite', () => {
    const random = mulberry32(7);
    const a = Array.from({ length: 20_000 }, (_, i) => `line ${i % 500} ${Math.floor(random() * 3)}\n`);
    const b = a.map((line) => (random() < 0.4 ? `new ${random()}\n` : line));
    const started = performance.now();
    const changes = diffLines(a, b);
    expect(apply(a, b, changes)).toEqual(b);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('similarityIndex', () => {
  it("es-git: the similarity index is our own line-based estimate, near but not always equal to git's", async () => {
    const random = mulberry32(3);
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const pairs = Array.from({ length: 12 }, (_, k) => {
      const before = Array.from({ length: 8 + Math.floor(random() * 30) }, () => `${words[Math.floor(random() * words.length)]} ${Math.floor(random() * 9)}\n`);
      const after = before.map((line) => (random() < 0.25 ? `changed ${Math.floor(random() * 1000)}\n` : line));
      return { from: `f${k}.txt`, to: `g${k}.txt`, before: before.join(''), after: after.join('') + (k % 2 ? 'crlf\r\n' : '') };
    });
    const repo = await repoWith([{ files: Object.fromEntries(pairs.map((p) => [p.from, p.before])) }]);
    try {
      await writeFiles(repo.path, Object.fromEntries(pairs.flatMap((p) => [[p.from, null], [p.to, p.after]])));
      await git(repo.path, ['add', '-A']);
      // -M1% makes git print a score for every pair, not only those at or above 50%.
      const scores = (await gitOut(repo.path, ['diff', '--cached', '-M1%', '--name-status']))
        .split('\n')
        .filter((line) => line.startsWith('R'))
        .map((line) => [line.split('\t')[1], Number(line.slice(1, 4))]);
      expect(scores.length).toBeGreaterThan(8);
      for (const [from, score] of scores) {
        const pair = pairs.find((p) => p.from === from)!;
        const ours = similarityIndex(Buffer.from(pair.before), Buffer.from(pair.after));
        expect([from, Math.abs(ours - Number(score)) <= 12]).toEqual([from, true]);
      }
      // A pure rename is 100% for both.
      expect(similarityIndex(Buffer.from('a\nb\n'), Buffer.from('a\nb\n'))).toBe(100);
    } finally {
      await repo.cleanup();
    }
  });
});

describe('parseDate (since/until strings)', () => {
  it('reads ISO 8601 dates and date-times as git does (rev-parse --since)', async () => {
    const env = { TZ: Intl.DateTimeFormat().resolvedOptions().timeZone };
    for (const text of ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00+02:00', '2024-01-01T10:00:00', '2024-01-01 10:00', '2024-01-01']) {
      const oracle = Number((await git(process.cwd(), ['rev-parse', `--since=${text}`], { env })).toString().trim().replace('--max-age=', ''));
      // A bare date keeps the current time of day (git's approxidate), so allow for the clock ticking.
      expect([text, Math.abs(parseDate(text, 'since')! - oracle) <= 2]).toEqual([text, true]);
    }
    expect(parseDate(1_700_000_000.9, 'since')).toBe(1_700_000_000);
    expect(() => parseDate('yesterday', 'since')).toThrow(/es-git engine accepts unix seconds or an ISO 8601 date/);
  });
});

describe('quotePath (core.quotepath=off)', () => {
  it('quotes only control characters, " and \\', () => {
    expect(quotePath('a/', 'plain name.txt')).toBe('a/plain name.txt');
    expect(quotePath('a/', Buffer.from('naïve', 'utf8').toString('latin1'))).toBe(Buffer.from('a/naïve', 'utf8').toString('latin1'));
    expect(quotePath('b/', 'line\nbreak\t"q"\\.txt')).toBe('"b/line\\nbreak\\t\\"q\\"\\\\.txt"');
    expect(quotePath('', 'bell\x07del\x7fesc\x1b')).toBe('"bell\\adel\\177esc\\033"');
  });
});
