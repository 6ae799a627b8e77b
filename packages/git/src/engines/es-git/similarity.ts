import { looksBinary } from './bytes.js';

/*
 * The "similarity index" printed for renames. es-git does not expose libgit2's score, so this
 * is our own estimate: the share of the larger file's bytes made of lines (LF-terminated
 * pieces, CRLF counted as LF for text) that the other side also has, as a multiset. It agrees
 * with git on pure renames and small edits; on heavier edits it can differ by a few points,
 * which the es-git tests name.
 */

/** Byte length per distinct line. */
function lineHistogram(bytes: Uint8Array): { counts: Map<string, number>; size: number } {
  const text = !looksBinary(bytes);
  const counts = new Map<string, number>();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = 0;
  for (let start = 0; start < buf.length; ) {
    let end = buf.indexOf(10, start);
    end = end === -1 ? buf.length : end + 1;
    let stop = end;
    if (text && stop - start >= 2 && buf[stop - 2] === 13 && buf[stop - 1] === 10) stop--; // CRLF == LF
    const line = buf.toString('latin1', start, stop);
    counts.set(line, (counts.get(line) ?? 0) + 1);
    size += line.length;
    start = end;
  }
  return { counts, size };
}

/** Similarity percentage (0-100) of `after` to `before`. */
export function similarityIndex(before: Uint8Array, after: Uint8Array): number {
  if (after.length === 0) return before.length === 0 ? 100 : 0;
  const source = lineHistogram(before);
  const target = lineHistogram(after);
  let shared = 0;
  for (const [line, count] of target.counts) shared += Math.min(count, source.counts.get(line) ?? 0) * line.length;
  return Math.floor((shared * 100) / Math.max(source.size, target.size));
}
