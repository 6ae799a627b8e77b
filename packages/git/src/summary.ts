import type { BlameFileResult } from './types.js';

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
  /** Per author, most lines first. Authors are keyed by email (case-insensitive). */
  authors: AuthorLines[];
  byFile: FileOwnership[];
  errors: { path: string; code: string; message: string }[];
}

interface Tally {
  name: string;
  email: string;
  lines: number;
}

function ranked(tallies: Iterable<Tally>, total: number): AuthorLines[] {
  return [...tallies]
    .map((t) => ({ ...t, share: total === 0 ? 0 : t.lines / total }))
    .sort((a, b) => b.lines - a.lines || a.email.localeCompare(b.email));
}

/**
 * Surviving lines per author, per file and overall, from blame results.
 *
 * @example
 * ```ts
 * const summary = await summarizeBlame(repo.blame());
 * console.log(summary.authors[0]); // { name, email, lines, share }
 * ```
 */
export async function summarizeBlame(
  results: AsyncIterable<BlameFileResult> | Iterable<BlameFileResult>,
): Promise<BlameSummary> {
  const overall = new Map<string, Tally>();
  const byFile: FileOwnership[] = [];
  const errors: BlameSummary['errors'] = [];
  let totalLines = 0;
  for await (const result of results) {
    if (result.error) {
      errors.push({ path: result.path, ...result.error });
      continue;
    }
    const mine = new Map<string, Tally>();
    for (const line of result.lines) {
      const key = line.authorEmail.toLowerCase();
      for (const map of [overall, mine]) {
        const t = map.get(key);
        if (t) t.lines++;
        else map.set(key, { name: line.authorName, email: line.authorEmail, lines: 1 });
      }
    }
    totalLines += result.lines.length;
    byFile.push({ path: result.path, lines: result.lines.length, authors: ranked(mine.values(), result.lines.length) });
  }
  return { totalLines, files: byFile.length, authors: ranked(overall.values(), totalLines), byFile, errors };
}
