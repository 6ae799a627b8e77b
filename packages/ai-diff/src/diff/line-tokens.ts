import type { DiffLines } from './types.js';

interface Table {
  counts: Int32Array;
  offset: number;
}

/**
 * Token counts of diff lines, each counted at most once, on demand: `tokens(lines, i)` is the
 * count of line `i` followed by its line break, the piece a {@link TokenTally} adds for it.
 * With `shared`, the counts of `docs` live in one table that another worker fills too (see
 * shared-counts.ts): a count is stored only once computed, so either side can use it.
 */
export class LineTokens {
  private readonly tables = new Map<DiffLines, Table>();
  private last: { lines: DiffLines; table: Table } | null = null;

  constructor(
    private readonly count: (text: string) => number,
    shared?: { counts: Int32Array; docs: readonly DiffLines[] },
  ) {
    let offset = 0;
    for (const doc of shared?.docs ?? []) {
      this.tables.set(doc, { counts: shared!.counts, offset });
      offset += doc.starts.length;
    }
  }

  /** Line `i` with its `\n` (one slice of the text when the line had no `\r`). */
  piece(lines: DiffLines, i: number): string {
    const start = lines.starts[i]!;
    const end = lines.ends[i]!;
    return lines.text.charCodeAt(end) === 10 ? lines.text.slice(start, end + 1) : `${lines.text.slice(start, end)}\n`;
  }

  tokens(lines: DiffLines, i: number): number {
    const { counts, offset } = this.table(lines);
    // Every piece has at least its line break, so 0 means "not counted yet".
    let tokens = Atomics.load(counts, offset + i);
    if (tokens === 0) {
      tokens = this.count(this.piece(lines, i));
      Atomics.store(counts, offset + i, tokens);
    }
    return tokens;
  }

  private table(lines: DiffLines): Table {
    if (this.last?.lines === lines) return this.last.table;
    let table = this.tables.get(lines);
    if (!table) {
      table = { counts: new Int32Array(lines.starts.length), offset: 0 };
      this.tables.set(lines, table);
    }
    this.last = { lines, table };
    return table;
  }
}
