/** Change kinds, as in `git diff --raw` (A, M, D, R, C, T). */
export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'typechange';

/** One file of a unified diff, split into its header and hunks. */
export interface DiffFile {
  path: string;
  oldPath: string | null;
  status: ChangeStatus;
  binary: boolean;
  additions: number;
  deletions: number;
  /** `old mode`/`new mode` when the file mode changed. */
  modeChange: { from: string; to: string } | null;
  /** `@@` header plus its lines, each hunk one string ending without a newline. */
  hunks: string[];
}

/** Why a file's content was left out of every prompt. */
export type OmitReason = 'lock file' | 'generated' | 'vendored' | 'minified' | 'binary' | 'excluded by config';

export interface OmittedFile {
  path: string;
  reason: OmitReason;
}

/** A change described in one line without content: a pure rename, a mode change, an empty file. */
export interface CollapsedFile {
  path: string;
  description: string;
}

/** A diff file whose content goes to the model, with token counts of its parts. */
export interface CountedFile {
  path: string;
  oldPath: string | null;
  status: ChangeStatus;
  additions: number;
  deletions: number;
  header: string;
  headerTokens: number;
  hunks: { text: string; tokens: number }[];
  /** headerTokens plus every hunk's tokens (plus one per line break between them). */
  tokens: number;
}

/** Per-file facts the local fallback message is built from. */
export interface FileFact {
  path: string;
  oldPath: string | null;
  status: ChangeStatus;
  additions: number;
  deletions: number;
  binary: boolean;
}
