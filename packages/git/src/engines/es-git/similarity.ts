import { looksBinary } from './bytes.js';

/*
 * The "similarity index" git prints for renames. libgit2 finds rename pairs with its own
 * metric and es-git does not expose its score, so this reproduces git's estimate for
 * interoperability: content is cut into chunks ending at LF or after 64 bytes, each chunk
 * is hashed into one of HASH_BASE buckets, and the score is the number of destination bytes
 * whose chunks also occur in the source, relative to the larger file.
 */

const HASH_BASE = 107927;
const MAX_CHUNK = 64;
const MAX_SCORE = 60000;

/** Bytes per chunk hash. */
function chunkHistogram(bytes: Uint8Array): Map<number, number> {
  const text = !looksBinary(bytes);
  const counts = new Map<number, number>();
  let hi = 0;
  let lo = 0;
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    // A CR that ends a CRLF line of text is left out, so CRLF and LF files compare equal.
    if (text && byte === 13 && bytes[i + 1] === 10) continue;
    const carried = lo;
    lo = (((lo << 7) ^ (hi >>> 25)) + byte) >>> 0;
    hi = ((hi << 7) ^ (carried >>> 25)) >>> 0;
    length++;
    if (length < MAX_CHUNK && byte !== 10) continue;
    const hash = ((lo + Math.imul(hi, 0x61)) >>> 0) % HASH_BASE;
    counts.set(hash, (counts.get(hash) ?? 0) + length);
    length = 0;
    lo = 0;
    hi = 0;
  }
  return counts;
}

/** git's similarity percentage (0-100) of `after` to `before`, as in `similarity index N%`. */
export function similarityIndex(before: Uint8Array, after: Uint8Array): number {
  if (after.length === 0) return before.length === 0 ? 100 : 0;
  const source = chunkHistogram(before);
  let copied = 0;
  for (const [hash, count] of chunkHistogram(after)) copied += Math.min(count, source.get(hash) ?? 0);
  const score = Math.floor((copied * MAX_SCORE) / Math.max(before.length, after.length));
  return Math.floor((score * 100) / MAX_SCORE);
}
