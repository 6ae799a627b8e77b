import type { BlameErrorCode } from './types.js';

/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type GitErrorCode =
  | 'GITFLEET_GIT_NOT_A_REPOSITORY'
  | 'GITFLEET_GIT_UNKNOWN_REVISION'
  | 'GITFLEET_GIT_ENGINE_UNAVAILABLE'
  | 'GITFLEET_GIT_COMMAND_FAILED'
  | 'GITFLEET_GIT_CORRUPT'
  | 'GITFLEET_GIT_INVALID_OPTION'
  | 'GITFLEET_GIT_ABORTED'
  // per-file blame failures (see BlameErrorCode)
  | 'GITFLEET_GIT_PATH_NOT_FOUND'
  | 'GITFLEET_GIT_BINARY_FILE'
  | 'GITFLEET_GIT_NOT_A_FILE'
  | 'GITFLEET_GIT_FILE_TOO_LARGE'
  | 'GITFLEET_GIT_BLAME_FAILED'
  // clone and refresh (fleet)
  | 'GITFLEET_GIT_AUTH_FAILED'
  | 'GITFLEET_GIT_NETWORK_FAILED'
  | 'GITFLEET_GIT_TIMEOUT'
  | 'GITFLEET_GIT_CLONE_FAILED'
  | 'GITFLEET_GIT_DESTINATION_EXISTS'
  | 'GITFLEET_GIT_INSECURE_TRANSPORT'
  | 'GITFLEET_GIT_DIVERGED'
  | 'GITFLEET_GIT_BUSY';

export interface GitErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

/** Base class for every failure @gitfleet/git throws. Serializable: plain fields only. */
export class GitError extends Error {
  override name = 'GitError';
  readonly code: GitErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: GitErrorCode, message: string, options: GitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data ?? {};
  }

  toJSON(): { name: string; code: GitErrorCode; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

export class NotARepositoryError extends GitError {
  override name = 'NotARepositoryError';
  constructor(path: string, options: GitErrorOptions & { reason?: string } = {}) {
    const why = options.reason ? ` (${options.reason})` : '';
    super('GITFLEET_GIT_NOT_A_REPOSITORY', `not a git repository: ${path}${why}`, { ...options, data: { path } });
  }
}

export class UnknownRevisionError extends GitError {
  override name = 'UnknownRevisionError';
  constructor(rev: string, options: GitErrorOptions = {}) {
    super('GITFLEET_GIT_UNKNOWN_REVISION', `unknown revision: ${rev}`, { ...options, data: { rev } });
  }
}

export class EngineUnavailableError extends GitError {
  override name = 'EngineUnavailableError';
  constructor(engine: string, reason: string, options: GitErrorOptions = {}) {
    super('GITFLEET_GIT_ENGINE_UNAVAILABLE', `engine ${engine} is unavailable: ${reason}`, {
      ...options,
      data: { engine },
    });
  }
}

/** A git subprocess or libgit2 call failed for a reason not covered above (e.g. a corrupt object). */
export class GitCommandError extends GitError {
  override name = 'GitCommandError';
  constructor(message: string, options: GitErrorOptions & { corrupt?: boolean } = {}) {
    super(options.corrupt ? 'GITFLEET_GIT_CORRUPT' : 'GITFLEET_GIT_COMMAND_FAILED', message, options);
  }
}

export class InvalidOptionError extends GitError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_GIT_INVALID_OPTION', message);
  }
}

export class AbortError extends GitError {
  override name = 'AbortError';
  constructor(options: GitErrorOptions = {}) {
    super('GITFLEET_GIT_ABORTED', 'the operation was aborted', options);
  }
}

/**
 * One file of a bulk blame cannot be blamed. Engines throw it from `blameFile`; the facade turns
 * it into that file's `error` and carries on with the others.
 */
export class BlameFileError extends GitError {
  override name = 'BlameFileError';
  declare readonly code: BlameErrorCode;
  constructor(code: BlameErrorCode, message: string, options: GitErrorOptions = {}) {
    super(code, message, options);
  }
}

export function isGitError(error: unknown): error is GitError {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('GITFLEET_GIT_');
}

const CLASSES: Record<string, { prototype: GitError }> = {
  NotARepositoryError,
  UnknownRevisionError,
  EngineUnavailableError,
  GitCommandError,
  InvalidOptionError,
  AbortError,
  BlameFileError,
};

/** A GitError again, of its own class, from its `toJSON()` (e.g. after crossing a worker thread). */
export function reviveGitError(json: ReturnType<GitError['toJSON']>, options: { cause?: unknown } = {}): GitError {
  const error = new GitError(json.code, json.message, { data: json.data, ...options });
  Object.setPrototypeOf(error, (CLASSES[json.name] ?? GitError).prototype);
  error.name = json.name;
  return error;
}
