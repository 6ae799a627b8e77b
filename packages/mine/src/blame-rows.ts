import type { RowInput } from '@gitfleet/dataset';
import type { BlameChunk, OwnershipResult } from '@gitfleet/git';

/** What blame produces for the dataset: a file's ownership once it is done, and (on request) its lines in batches. */
export type BlameOutput =
  | { type: 'file'; path: string; owners: RowInput<'ownership'>[] }
  | { type: 'lines'; rows: RowInput<'blame_lines'>[] };

/** Lines handed over per batch. */
const LINES_BATCH = 5000;

interface Owner {
  name: string;
  email: string;
  time: number;
  lines: number;
}

/** The identity lines are counted under: the email in any case, or the name when there is none. */
function ownerKey(name: string, email: string): string {
  const trimmed = email.trim();
  return trimmed !== '' ? `e:${trimmed.toLowerCase()}` : `n:${name.trim().toLowerCase()}`;
}

/** Counts `lines` for an author; the newest line (first seen on a tie) names the identity. */
function count(owners: Map<string, Owner>, name: string, email: string, time: number, lines: number): void {
  const key = ownerKey(name, email);
  const owner = owners.get(key);
  if (!owner) owners.set(key, { name, email, time, lines });
  else {
    owner.lines += lines;
    if (time > owner.time) Object.assign(owner, { name, email, time });
  }
}

const fileRows = (path: string, owners: Map<string, Owner>): BlameOutput => ({
  type: 'file',
  path,
  owners: [...owners.values()].map((o) => ({ path, author_name: o.name, author_email: o.email, lines: o.lines })),
});

/**
 * The same rows as `blameRows` without lines, from one walk over history (`repo.ownership()` with
 * `fileCommits`): per file, its commits' lines in the order of their first line, so the same line
 * names an identity. Files that could not be counted have no rows; a failed blame throws.
 */
export function* ownershipRows(own: OwnershipResult): Generator<BlameOutput> {
  const failed = own.errors.find((e) => e.code === 'GITFLEET_GIT_BLAME_FAILED');
  if (failed) throw Object.assign(new Error(failed.message), { code: failed.code });
  for (const file of own.byFile) {
    const owners = new Map<string, Owner>();
    for (const c of file.byCommit ?? []) count(owners, c.authorName, c.authorEmail, c.authorTime, c.lines);
    yield fileRows(file.path, owners);
  }
}

/**
 * Turns blame chunks into rows: per file, the surviving lines per identity (the email in any case,
 * or the name when there is none), shown under the name and email of its newest line; with
 * `keepLines`, every line. A file that cannot be blamed (binary, too large, a submodule) has no
 * rows; a failed blame (`GITFLEET_GIT_BLAME_FAILED`) throws, so the repository is not published
 * with a file missing.
 */
export async function* blameRows(chunks: AsyncIterable<BlameChunk>, keepLines: boolean): AsyncGenerator<BlameOutput> {
  let owners = new Map<string, Owner>();
  let lines: RowInput<'blame_lines'>[] = [];
  for await (const chunk of chunks) {
    if (chunk.error) {
      if (chunk.error.code === 'GITFLEET_GIT_BLAME_FAILED') throw Object.assign(new Error(chunk.error.message), { code: chunk.error.code });
      owners = new Map();
      continue;
    }
    for (const line of chunk.lines) {
      count(owners, line.authorName, line.authorEmail, line.authorTime, 1);
      if (keepLines) {
        lines.push({
          path: chunk.path,
          line: line.line,
          sha: line.commit,
          original_path: line.origPath,
          original_line: line.origLine,
          author_name: line.authorName,
          author_email: line.authorEmail,
          author_time: line.authorTime,
          author_tz_offset: line.authorTzOffset,
        });
        if (lines.length >= LINES_BATCH) {
          yield { type: 'lines', rows: lines };
          lines = [];
        }
      }
    }
    if (!chunk.done) continue;
    if (lines.length > 0) {
      yield { type: 'lines', rows: lines };
      lines = [];
    }
    yield fileRows(chunk.path, owners);
    owners = new Map();
  }
}
