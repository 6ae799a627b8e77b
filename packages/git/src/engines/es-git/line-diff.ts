import { diffArrays } from 'diff';

/** One run of changed lines: `oldCount` lines at `oldStart` replaced by `newCount` lines at `newStart` (0-based). */
export interface LineChange {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** Beyond this edit distance jsdiff gives up and the change is reported as a full rewrite. */
const MAX_EDIT_LENGTH = 20_000;

/** Maps each distinct line to a small integer so jsdiff compares numbers, not strings. */
function internLines(oldLines: readonly string[], newLines: readonly string[]): [number[], number[]] {
  const ids = new Map<string, number>();
  const intern = (line: string): number => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  return [oldLines.map(intern), newLines.map(intern)];
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonSuffix(a: readonly string[], b: readonly string[], prefix: number): number {
  let n = 0;
  while (n < a.length - prefix && n < b.length - prefix && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * Line-level changes between two files (lines as from `splitLines`, so a missing final
 * newline makes the last line differ), from jsdiff's Myers diff. Deletions and insertions
 * that touch are merged into one change, as xdiff reports them.
 */
export function diffLines(oldLines: readonly string[], newLines: readonly string[]): LineChange[] {
  const prefix = commonPrefix(oldLines, newLines);
  const suffix = commonSuffix(oldLines, newLines, prefix);
  const oldMid = oldLines.slice(prefix, oldLines.length - suffix);
  const newMid = newLines.slice(prefix, newLines.length - suffix);
  if (oldMid.length === 0 && newMid.length === 0) return [];
  if (oldMid.length === 0 || newMid.length === 0) {
    return [{ oldStart: prefix, oldCount: oldMid.length, newStart: prefix, newCount: newMid.length }];
  }
  const [oldIds, newIds] = internLines(oldMid, newMid);
  const parts = diffArrays(oldIds, newIds, { maxEditLength: MAX_EDIT_LENGTH });
  if (!parts) return [{ oldStart: prefix, oldCount: oldMid.length, newStart: prefix, newCount: newMid.length }];

  const changes: LineChange[] = [];
  let oldPos = prefix;
  let newPos = prefix;
  let open: LineChange | undefined;
  for (const part of parts) {
    if (!part.added && !part.removed) {
      open = undefined;
      oldPos += part.count;
      newPos += part.count;
      continue;
    }
    if (!open) {
      open = { oldStart: oldPos, oldCount: 0, newStart: newPos, newCount: 0 };
      changes.push(open);
    }
    if (part.removed) {
      open.oldCount += part.count;
      oldPos += part.count;
    } else {
      open.newCount += part.count;
      newPos += part.count;
    }
  }
  return changes;
}

/** Added and deleted line counts, as `--numstat` reports them. */
export function countChanges(changes: readonly LineChange[]): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const change of changes) {
    additions += change.newCount;
    deletions += change.oldCount;
  }
  return { additions, deletions };
}
