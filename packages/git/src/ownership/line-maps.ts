import type { CombinedSection } from './records.js';

/**
 * A file's line owners after a plain diff: unchanged lines keep their owner (as `git blame`
 * passes them to the parent), lines in hunks get `owner`. `hunks` is flat
 * [oldStart, oldCount, newStart, newCount, ...] in git's numbering. Returns null when the hunks
 * do not fit the old file (never for git's own output).
 */
export function applyHunks(old: Int32Array, hunks: readonly number[], owner: number): Int32Array | null {
  let length = old.length;
  for (let h = 0; h < hunks.length; h += 4) length += hunks[h + 3]! - hunks[h + 1]!;
  if (length < 0) return null;
  const out = new Int32Array(length);
  let o = 0;
  let n = 0;
  for (let h = 0; h < hunks.length; h += 4) {
    const [os, oc, ns, nc] = [hunks[h]!, hunks[h + 1]!, hunks[h + 2]!, hunks[h + 3]!];
    const oldAt = oc > 0 ? os - 1 : os;
    const newAt = nc > 0 ? ns - 1 : ns;
    if (oldAt < o || oldAt > old.length || newAt - n !== oldAt - o) return null;
    out.set(old.subarray(o, oldAt), n);
    n = newAt;
    out.fill(owner, n, n + nc);
    n += nc;
    o = oldAt + oc;
  }
  if (o > old.length || length - n !== old.length - o) return null;
  out.set(old.subarray(o), n);
  return out;
}

type CombinedHunk = CombinedSection['hunks'][number];

/** Lines of a combined hunk in the result, or (with `k`) in parent k, counted from its lines (not its header). */
function counted(hunk: CombinedHunk, k?: number): number {
  let n = 0;
  for (const code of hunk.lines) {
    if (k === undefined) n += code & 1 ? 0 : 1;
    else if ((code >> 1) & (1 << k)) n++;
  }
  return n;
}

/** The result's length from one parent's length and a combined diff. */
export function combinedLength(section: CombinedSection, parent: number, parentLength: number): number {
  let length = parentLength;
  for (const hunk of section.hunks) length += counted(hunk) - counted(hunk, parent);
  return length;
}

/** The result's length when no parent has the file: the sum of its hunks. */
export function addedLength(section: CombinedSection): number {
  return section.hunks.reduce((n, h) => n + counted(h), 0);
}

/**
 * For a combined diff (`-c`), which line of parent `k` each result line is (0-based), or -1 for
 * a line that parent does not have. Outside hunks every parent shares every line.
 */
export function combinedLineMap(section: CombinedSection, k: number, resultLength: number, parentLength: number): Int32Array | null {
  const map = new Int32Array(resultLength);
  let r = 0;
  let p = 0;
  for (const hunk of section.hunks) {
    // Unlike a plain diff, a combined header gives an empty range's start as the line after it.
    const rAt = Math.max(0, hunk.resultStart - 1);
    const pAt = Math.max(0, hunk.parents[2 * k]! - 1);
    if (rAt < r || rAt - r !== pAt - p || rAt > resultLength) return null;
    for (; r < rAt; r++) map[r] = p++;
    for (const code of hunk.lines) {
      const mask = code >> 1;
      const has = (mask & (1 << k)) !== 0;
      if (code & 1) {
        if (has) p++;
      } else {
        map[r++] = has ? p++ : -1;
      }
    }
  }
  if (resultLength - r !== parentLength - p) return null;
  for (; r < resultLength; r++) map[r] = p++;
  return map;
}

/**
 * For a plain diff (hunks as in applyHunks), which line of the old file each new line is
 * (0-based), or -1 for a line the diff adds. Null when the hunks do not fit.
 */
export function plainLineMap(hunks: readonly number[], newLength: number, oldLength: number): Int32Array | null {
  const map = new Int32Array(newLength);
  let o = 0;
  let n = 0;
  for (let h = 0; h < hunks.length; h += 4) {
    const [os, oc, ns, nc] = [hunks[h]!, hunks[h + 1]!, hunks[h + 2]!, hunks[h + 3]!];
    const oldAt = oc > 0 ? os - 1 : os;
    const newAt = nc > 0 ? ns - 1 : ns;
    if (newAt < n || newAt - n !== oldAt - o || newAt + nc > newLength) return null;
    for (; n < newAt; n++) map[n] = o++;
    map.fill(-1, n, n + nc);
    n += nc;
    o = oldAt + oc;
  }
  if (newLength - n !== oldLength - o) return null;
  for (; n < newLength; n++) map[n] = o++;
  return map;
}

/** The new file's length from the old one's and a plain diff's hunks. */
export function plainLength(hunks: readonly number[], oldLength: number): number {
  let length = oldLength;
  for (let h = 0; h < hunks.length; h += 4) length += hunks[h + 3]! - hunks[h + 1]!;
  return length;
}
