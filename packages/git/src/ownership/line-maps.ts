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

/** The result's length from one parent's length and a combined diff (null if it does not fit). */
export function combinedLength(section: CombinedSection, parent: number, parentLength: number): number {
  let length = parentLength;
  for (const hunk of section.hunks) length += hunk.resultCount - hunk.parents[2 * parent + 1]!;
  return length;
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
    const ps = hunk.parents[2 * k]!;
    const pc = hunk.parents[2 * k + 1]!;
    const rAt = hunk.resultCount > 0 ? hunk.resultStart - 1 : hunk.resultStart;
    const pAt = pc > 0 ? ps - 1 : ps;
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
