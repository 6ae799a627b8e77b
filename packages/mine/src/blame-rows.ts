import type { RowInput } from '@gitfleet/dataset';
import type { BlameChunk } from '@gitfleet/git';

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
      const email = line.authorEmail.trim();
      const key = email !== '' ? `e:${email.toLowerCase()}` : `n:${line.authorName.trim().toLowerCase()}`;
      const owner = owners.get(key);
      if (!owner) owners.set(key, { name: line.authorName, email: line.authorEmail, time: line.authorTime, lines: 1 });
      else {
        owner.lines++;
        if (line.authorTime > owner.time) {
          owner.name = line.authorName;
          owner.email = line.authorEmail;
          owner.time = line.authorTime;
        }
      }
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
    yield { type: 'file', path: chunk.path, owners: [...owners.values()].map((o) => ({ path: chunk.path, author_name: o.name, author_email: o.email, lines: o.lines })) };
    owners = new Map();
  }
}
