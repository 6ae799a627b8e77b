import { describe, expect, it } from 'vitest';
import { flatten, formatTime, table } from '../src/output.js';
import { renderReport } from '../src/commands/analyze.js';

describe('output helpers', () => {
  it('flatten turns nested objects into dotted columns and arrays into words', () => {
    expect(flatten({ sha: 'a', parents: ['b', 'c'], author: { name: 'N', tzOffset: null } })).toEqual({
      sha: 'a',
      parents: 'b c',
      'author.name': 'N',
      'author.tzOffset': null,
    });
  });

  it('formatTime shows the time in the commit’s own zone', () => {
    expect(formatTime(1_700_000_000, 330)).toBe('2023-11-15 03:43 +0530');
    expect(formatTime(1_700_000_000, -210)).toBe('2023-11-14 18:43 -0330');
    expect(formatTime(1_700_000_000, null)).toBe('2023-11-14 22:13 UTC');
  });

  it('table aligns columns without borders or trailing spaces', () => {
    expect(table(['a', 'bb'], [['x', 1], ['yyy', 22]], ['left', 'right'])).toBe('a    bb\nx     1\nyyy  22\n');
  });

  it('renderReport says so for an empty repository', () => {
    const text = renderReport({
      repoName: 'r',
      root: '/r',
      head: null,
      commits: { count: 0, merges: 0, first: null, last: null, spanDays: 0 },
      authors: [],
      ownership: { totalLines: 0, files: 0, authors: [], skipped: [] },
      churn: [],
    });
    expect(text).toBe('Repository  r  (/r)\nNo commits yet.\n');
  });
});
