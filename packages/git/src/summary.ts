import type { BlameChunk, BlameFileResult } from './types.js';

export interface AuthorLines {
  name: string;
  email: string;
  lines: number;
  /** Share of all blamed lines, 0..1. */
  share: number;
}

export interface FileOwnership {
  path: string;
  lines: number;
  authors: AuthorLines[];
}

export interface BlameSummary {
  /** Surviving lines across all blamed files. */
  totalLines: number;
  files: number;
  /**
   * Per author, most lines first. An author is an email, case-insensitively, shown everywhere
   * under the name and email of their newest line.
   */
  authors: AuthorLines[];
  byFile: FileOwnership[];
  errors: { path: string; code: string; message: string }[];
}

interface Tally {
  name: string;
  email: string;
  lines: number;
  /** Author time of the line `name` and `email` come from. */
  time: number;
}

/** The key an author is counted under: the email, case-insensitively. */
export const identityKey = (email: string): string => email.toLowerCase();

function count(map: Map<string, Tally>, name: string, email: string, time: number, lines: number): void {
  const key = identityKey(email);
  const t = map.get(key);
  if (!t) map.set(key, { name, email, lines, time });
  else {
    t.lines += lines;
    if (time > t.time) Object.assign(t, { name, email, time });
  }
}

function merge(into: Map<string, Tally>, from: Map<string, Tally>): void {
  for (const [key, t] of from) {
    const total = into.get(key);
    if (!total) into.set(key, { ...t });
    else {
      total.lines += t.lines;
      if (t.time > total.time) Object.assign(total, { name: t.name, email: t.email, time: t.time });
    }
  }
}

function ranked(tallies: Iterable<Tally>, total: number): AuthorLines[] {
  return [...tallies]
    .map(({ name, email, lines }) => ({ name, email, lines, share: total === 0 ? 0 : lines / total }))
    .sort((a, b) => b.lines - a.lines || a.email.localeCompare(b.email));
}

/**
 * Surviving lines per author, per file and overall, from blame results or chunks
 * (`repo.blameChunks()` keeps memory flat: lines are counted, never kept).
 *
 * @example
 * ```ts
 * const summary = await summarizeBlame(repo.blameChunks());
 * console.log(summary.authors[0]); // { name, email, lines, share }
 * ```
 */
export async function summarizeBlame(
  results: AsyncIterable<BlameFileResult | BlameChunk> | Iterable<BlameFileResult | BlameChunk>,
): Promise<BlameSummary> {
  const tally = new OwnershipTally();
  for await (const result of results) {
    if (result.error) {
      tally.fail(result.path, result.error.code, result.error.message);
      continue;
    }
    for (const line of result.lines) tally.add(line.authorName, line.authorEmail, line.authorTime, 1);
    if ('done' in result && !result.done) continue; // more chunks of this file follow
    tally.endFile(result.path);
  }
  return tally.summary();
}

/**
 * Builds a BlameSummary file by file: `add` a file's lines (several at once when they share an
 * author and time, in the order their first line appears), then `endFile`. The newest line names
 * an identity, as in summarizeBlame.
 */
export class OwnershipTally {
  private readonly overall = new Map<string, Tally>();
  private readonly byFile: { path: string; lines: number; tallies: Map<string, Tally> }[] = [];
  private readonly errors: BlameSummary['errors'] = [];
  private totalLines = 0;
  private file = new Map<string, Tally>();
  private fileLines = 0;

  add(name: string, email: string, time: number, lines: number): void {
    count(this.file, name, email, time, lines);
    this.fileLines += lines;
  }

  endFile(path: string): void {
    merge(this.overall, this.file);
    this.totalLines += this.fileLines;
    this.byFile.push({ path, lines: this.fileLines, tallies: this.file });
    this.file = new Map();
    this.fileLines = 0;
  }

  /** A file that could not be counted; lines added for it since the last endFile are dropped. */
  fail(path: string, code: string, message: string): void {
    this.errors.push({ path, code, message });
    this.file = new Map();
    this.fileLines = 0;
  }

  summary(): BlameSummary {
    const overall = this.overall;
    // One name per identity: the overall one, also in the per-file lists.
    const named = (tallies: Map<string, Tally>): Tally[] =>
      [...tallies].map(([key, t]) => ({ ...t, name: overall.get(key)!.name, email: overall.get(key)!.email }));
    return {
      totalLines: this.totalLines,
      files: this.byFile.length,
      authors: ranked(overall.values(), this.totalLines),
      byFile: this.byFile.map((f) => ({ path: f.path, lines: f.lines, authors: ranked(named(f.tallies), f.lines) })),
      errors: this.errors,
    };
  }
}
