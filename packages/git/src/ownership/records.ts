/**
 * Streaming parser of the `git log` output the ownership walk reads: per commit a marker line
 * with the sha, `--raw` entries (`:` or `::` for combined), then the patch sections. Only what
 * line tracking needs is kept: each section's hunk ranges (or, for a combined diff, which result
 * lines each parent shares). Content lines are skipped by the hunk headers' counts, never read.
 */

/** Start of each commit record (`--format=%x1eGF%H`). */
export const RECORD_MARK = '\x1eGF';

/** Type class of a git mode: a change between classes is a type change (blame starts afresh). */
export type FileKind = 'file' | 'link' | 'gitlink' | 'none';

export function kindOf(mode: string): FileKind {
  if (mode === '120000') return 'link';
  if (mode === '160000') return 'gitlink';
  if (mode === '000000') return 'none';
  return 'file';
}

/** One `--raw` entry. For combined entries, one blob/path/status per parent. */
export interface RawEntry {
  /** Status letter(s): `M`, `A`, `D`, `T`, `R` (score dropped); combined: one per parent. */
  status: string;
  /** Per parent (one for a plain diff): mode, blob and path before. */
  fromModes: string[];
  fromBlobs: string[];
  fromPaths: string[];
  toMode: string;
  toBlob: string;
  toPath: string;
}

/** A plain section: hunks as flat [oldStart, oldCount, newStart, newCount, ...] (git's numbering). */
export interface PatchSection {
  kind: 'plain';
  binary: boolean;
  hunks: number[];
  /** Blob ids from the `index old..new` line (`--full-index`), when git prints one. */
  index?: [string, string];
}

/**
 * A combined section (`-c`): per hunk, each parent's start and count, the result's start and
 * count, then one code per shown line: a result line `(mask << 1)` where bit k says parent k
 * has it, or a line lost from parents `(mask << 1) | 1`.
 */
export interface CombinedSection {
  kind: 'combined';
  binary: boolean;
  hunks: { parents: number[]; resultStart: number; resultCount: number; lines: number[] }[];
}

export interface CommitRecord {
  sha: string;
  raw: RawEntry[];
  sections: (PatchSection | CombinedSection)[];
}

const C_NL = 0x0a;

/**
 * A path as git prints it in `--raw` output (C-style quoted when it has special bytes; non-ASCII
 * bytes left as they are with core.quotepath=off), given as latin1 text (one char per byte).
 */
export function unquotePath(text: string): string {
  if (!text.startsWith('"')) return Buffer.from(text, 'latin1').toString('utf8');
  const bytes: number[] = [];
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 1; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      bytes.push(c);
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next >= '0' && next <= '7') {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A `--raw` line as latin1 text: `:old new oid oid S\tpath[\tpath]`, or combined (one colon per
 * parent, `--combined-all-paths`) `::m m m oid oid oid SS\tp\tp\tp`.
 */
export function parseRaw(line: string): RawEntry {
  let n = 0;
  while (line[n] === ':') n++;
  if (n > 1) return parseCombinedRaw(line);
  const tab = line.indexOf('\t');
  const [fromMode = '', toMode = '', fromBlob = '', toBlob = '', status = 'M'] = line.slice(1, tab).split(' ');
  const paths = line.slice(tab + 1).split('\t').map(unquotePath);
  const to = paths[paths.length - 1]!;
  return {
    status: status[0]!,
    fromModes: [fromMode],
    fromBlobs: [fromBlob],
    fromPaths: [paths.length > 1 ? paths[0]! : to],
    toMode,
    toBlob,
    toPath: to,
  };
}

function parseCombinedRaw(line: string): RawEntry {
  let colons = 0;
  while (line[colons] === ':') colons++;
  const tab = line.indexOf('\t');
  const fields = line.slice(colons, tab).split(' ');
  const paths = line.slice(tab + 1).split('\t').map(unquotePath);
  const n = colons;
  const modes = fields.slice(0, n + 1);
  const blobs = fields.slice(n + 1, 2 * n + 2);
  const status = fields[2 * n + 2] ?? '';
  const to = paths[paths.length - 1]!;
  return {
    status,
    fromModes: modes.slice(0, n),
    fromBlobs: blobs.slice(0, n),
    fromPaths: paths.length > n ? paths.slice(0, n) : Array.from({ length: n }, () => to),
    toMode: modes[n]!,
    toBlob: blobs[n]!,
    toPath: to,
  };
}

const PLAIN_HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `@@@ -a,b -c,d +e,f @@@`: per parent start/count, then the result's. */
function parseCombinedHunkHeader(line: string, parents: number): { parents: number[]; resultStart: number; resultCount: number } {
  const at = '@'.repeat(parents + 1);
  const body = line.slice(at.length + 1, line.indexOf(` ${at}`, at.length));
  const ranges = body.split(' ').map((r) => {
    const [start = '0', count] = r.slice(1).split(',');
    return [Number(start), count === undefined ? 1 : Number(count)] as const;
  });
  const result = ranges[ranges.length - 1]!;
  return { parents: ranges.slice(0, -1).flatMap(([s, c]) => [s, c]), resultStart: result[0], resultCount: result[1] };
}

/**
 * Incremental parser: push chunks, take complete records. A record is complete when the next
 * one starts (or at `end()`).
 */
export class RecordParser {
  private rest: Buffer | undefined;
  private current: CommitRecord | undefined;
  private section: PatchSection | CombinedSection | undefined;
  /** Content lines still owed by the current hunk: plain [old, new]; combined per parent + result. */
  private owedPlain: [number, number] | undefined;
  private owedCombined: { lines: number[] } | undefined;
  private parents = 1;
  private readonly done: CommitRecord[] = [];

  push(chunk: Buffer): CommitRecord[] {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(C_NL, start); nl !== -1; nl = buf.indexOf(C_NL, start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    return this.take();
  }

  end(): CommitRecord[] {
    if (this.rest) {
      this.line(this.rest, 0, this.rest.length);
      this.rest = undefined;
    }
    if (this.current) this.done.push(this.current);
    this.current = undefined;
    return this.take();
  }

  private take(): CommitRecord[] {
    return this.done.splice(0, this.done.length);
  }

  private line(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    // Inside a hunk: content lines are counted off, never decoded.
    if (this.owedPlain) {
      if (first === 0x5c /* \ No newline */) return;
      const owed = this.owedPlain;
      if (first === 0x2d /* - */ && owed[0] > 0) owed[0]--;
      else if (first === 0x2b /* + */ && owed[1] > 0) owed[1]--;
      if (owed[0] === 0 && owed[1] === 0) this.owedPlain = undefined;
      return;
    }
    if (this.owedCombined) {
      if (first === 0x5c) return;
      // A combined hunk ends at the first line that is not a column of marks (its header's counts
      // can be wrong: git 2.39 prints a count of -1 as 18446744073709551615).
      if (first === 0x20 || first === 0x2b || first === 0x2d) {
        this.combinedLine(buf, start);
        return;
      }
      this.owedCombined = undefined;
    }
    if (end === start) return;
    if (first === 0x1e && buf.toString('latin1', start, start + RECORD_MARK.length) === RECORD_MARK) {
      if (this.current) this.done.push(this.current);
      this.current = { sha: buf.toString('latin1', start + RECORD_MARK.length, end), raw: [], sections: [] };
      this.section = undefined;
      return;
    }
    const record = this.current;
    if (!record) return;
    if (first === 0x3a /* : */) {
      record.raw.push(parseRaw(buf.toString('latin1', start, end)));
      return;
    }
    if (first === 0x64 /* d */) {
      const head = buf.toString('latin1', start, Math.min(end, start + 16));
      if (head.startsWith('diff --git ')) {
        this.section = { kind: 'plain', binary: false, hunks: [] };
        record.sections.push(this.section);
      } else if (head.startsWith('diff --combined ') || head.startsWith('diff --cc ')) {
        this.section = { kind: 'combined', binary: false, hunks: [] };
        record.sections.push(this.section);
      }
      return;
    }
    const section = this.section;
    if (!section) return;
    if (first === 0x40 /* @ */) {
      const text = buf.toString('latin1', start, end);
      if (section.kind === 'plain') {
        const m = PLAIN_HUNK.exec(text);
        if (!m) return;
        const oldCount = m[2] === undefined ? 1 : Number(m[2]);
        const newCount = m[4] === undefined ? 1 : Number(m[4]);
        section.hunks.push(Number(m[1]), oldCount, Number(m[3]), newCount);
        if (oldCount + newCount > 0) this.owedPlain = [oldCount, newCount];
      } else {
        let ats = 0;
        while (text[ats] === '@') ats++;
        this.parents = ats - 1;
        const header = parseCombinedHunkHeader(text, this.parents);
        const hunk = { ...header, lines: [] as number[] };
        section.hunks.push(hunk);
        this.owedCombined = { lines: hunk.lines };
      }
      return;
    }
    if (first === 0x42 /* B */ && buf.toString('latin1', start, start + 13) === 'Binary files ') section.binary = true;
    else if (first === 0x69 /* i */ && section.kind === 'plain' && buf.toString('latin1', start, start + 6) === 'index ') {
      const ids = /^index ([0-9a-f]+)\.\.([0-9a-f]+)/.exec(buf.toString('latin1', start, end));
      if (ids) section.index = [ids[1]!, ids[2]!];
    }
  }

  /** One shown line of a combined hunk: a column per parent (`-` lost, `+` added, ` ` shared). */
  private combinedLine(buf: Buffer, start: number): void {
    const owed = this.owedCombined!;
    let lost = 0;
    let common = 0;
    let isLost = false;
    for (let k = 0; k < this.parents; k++) {
      const c = buf[start + k];
      if (c === 0x2d) {
        isLost = true;
        lost |= 1 << k;
      } else if (c === 0x20) common |= 1 << k;
    }
    owed.lines.push(isLost ? (lost << 1) | 1 : common << 1);
  }
}

/**
 * Records of one stream, one at a time, in order (`next()` waits for the record to complete).
 */
export class RecordReader {
  private readonly parser = new RecordParser();
  private readonly queue: CommitRecord[] = [];
  private readonly chunks: AsyncIterator<Buffer>;
  private ended = false;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.chunks = chunks[Symbol.asyncIterator]();
  }

  async next(): Promise<CommitRecord | undefined> {
    while (this.queue.length === 0 && !this.ended) {
      const chunk = await this.chunks.next();
      if (chunk.done) {
        this.ended = true;
        this.queue.push(...this.parser.end());
      } else {
        for (const r of this.parser.push(chunk.value)) this.queue.push(r);
      }
    }
    return this.queue.shift();
  }
}
