import type { BlameChunk, BlameFileResult, BlameLine } from './types.js';

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

function count(map: Map<string, Tally>, line: BlameLine): void {
  const key = identityKey(line.authorEmail);
  const t = map.get(key);
  if (!t) map.set(key, { name: line.authorName, email: line.authorEmail, lines: 1, time: line.authorTime });
  else {
    t.lines++;
    if (line.authorTime > t.time) Object.assign(t, { name: line.authorName, email: line.authorEmail, time: line.authorTime });
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
  const overall = new Map<string, Tally>();
  const byFile: { path: string; lines: number; tallies: Map<string, Tally> }[] = [];
  const errors: BlameSummary['errors'] = [];
  let totalLines = 0;
  let file = new Map<string, Tally>();
  let fileLines = 0;
  for await (const result of results) {
    if (result.error) {
      errors.push({ path: result.path, ...result.error });
      file = new Map();
      fileLines = 0;
      continue;
    }
    for (const line of result.lines) count(file, line);
    fileLines += result.lines.length;
    if ('done' in result && !result.done) continue; // more chunks of this file follow
    merge(overall, file);
    totalLines += fileLines;
    byFile.push({ path: result.path, lines: fileLines, tallies: file });
    file = new Map();
    fileLines = 0;
  }
  // One name per identity: the overall one, also in the per-file lists.
  const named = (tallies: Map<string, Tally>): Tally[] =>
    [...tallies].map(([key, t]) => ({ ...t, name: overall.get(key)!.name, email: overall.get(key)!.email }));
  return {
    totalLines,
    files: byFile.length,
    authors: ranked(overall.values(), totalLines),
    byFile: byFile.map((f) => ({ path: f.path, lines: f.lines, authors: ranked(named(f.tallies), f.lines) })),
    errors,
  };
}
