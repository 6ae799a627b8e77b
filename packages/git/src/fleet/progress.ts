/** Where a clone is, as git reports it on stderr with `--progress`. */
export type ClonePhase = 'connecting' | 'counting' | 'compressing' | 'receiving' | 'resolving' | 'checkout';

/** Transfer numbers read from git's progress lines. */
export interface CloneProgress {
  phase: ClonePhase;
  /** Percent of the current phase (0-100). */
  percent: number;
  receivedObjects: number;
  totalObjects: number;
  receivedBytes: number;
}

const PHASES: Record<string, ClonePhase> = {
  'Enumerating objects': 'counting',
  'Counting objects': 'counting',
  'Compressing objects': 'compressing',
  'Receiving objects': 'receiving',
  'Resolving deltas': 'resolving',
  'Updating files': 'checkout',
  'Checking out files': 'checkout',
};

const LINE = /^(?:remote:\s*)?([A-Za-z ]+):\s+(?:(\d+)%\s+\((\d+)\/(\d+)\))?(?:.*?,\s*([\d.]+)\s*(bytes|KiB|MiB|GiB))?/;
const UNITS: Record<string, number> = { bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

export const initialProgress = (): CloneProgress => ({
  phase: 'connecting',
  percent: 0,
  receivedObjects: 0,
  totalObjects: 0,
  receivedBytes: 0,
});

/**
 * Applies one progress line (git separates updates with `\r`) to `state`; returns whether it
 * was a progress line.
 *
 * @example
 * parseProgressLine('Receiving objects:  45% (4500/10000), 2.30 MiB | 1.20 MiB/s', state);
 */
export function parseProgressLine(line: string, state: CloneProgress): boolean {
  const match = LINE.exec(line.trim());
  const phase = match ? PHASES[match[1]?.trim() ?? ''] : undefined;
  if (!match || !phase) return false;
  state.phase = phase;
  if (match[2] !== undefined) state.percent = Number(match[2]);
  if (phase === 'receiving' && match[3] !== undefined) {
    state.receivedObjects = Number(match[3]);
    state.totalObjects = Number(match[4]);
  }
  if (phase === 'receiving' && match[5] !== undefined) {
    state.receivedBytes = Math.round(Number(match[5]) * (UNITS[match[6] ?? 'bytes'] ?? 1));
  }
  return true;
}

/** Splits a stderr stream into lines on `\r` and `\n`, keeping the unfinished tail. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split(/[\r\n]/);
    this.rest = parts.pop() ?? '';
    return parts.filter((p) => p !== '');
  }
}
