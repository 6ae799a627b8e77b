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

/** Why a file's content was left out of every prompt. `secret`: it looks like a credential. */
export type OmitReason = 'secret' | 'lock file' | 'generated' | 'vendored' | 'minified' | 'binary' | 'excluded by config';

export interface OmittedFile {
  path: string;
  reason: OmitReason;
  /** For `secret`: what it looks like (`env file`, `private key`, `GitHub token`...). Never the secret itself. */
  detail?: string;
}

/**
 * What the repository says about a staged file beyond its diff (read only for a `repo` source):
 * `.gitattributes` at the staged revision (`true` set, `false` explicitly unset, absent when
 * unspecified) and whether the staged file starts with a generated-code marker.
 */
export interface FileHints {
  /** `linguist-generated` */
  generated?: boolean;
  /** `linguist-vendored` */
  vendored?: boolean;
  /** `diff`: `false` for `-diff`, which git shows as binary. */
  diff?: boolean;
  /** A generated-code marker in the first lines of the staged file. */
  generatedHeader?: boolean;
}

/** A change described in one line without content: a pure rename, a mode change, an empty file. */
export interface CollapsedFile {
  path: string;
  description: string;
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

/** Diff text indexed by line once: line `i` is `text.slice(starts[i], ends[i])`, without its `\n` or a trailing `\r`. */
export interface DiffLines {
  text: string;
  starts: number[];
  ends: number[];
  /** True when some line lost a trailing `\r`: ranges of lines are then joined, not sliced. */
  crlf: boolean;
}

/** A parsed file whose hunks are ranges of lines (`from` is the `@@` line, `to` is exclusive). */
export interface ParsedFile extends Omit<DiffFile, 'hunks'> {
  lines: DiffLines;
  hunks: { from: number; to: number }[];
  hints?: FileHints;
}
