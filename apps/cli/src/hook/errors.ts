/** Failures of the AI commit commands (commit-msg, commit, hook). Mapped to exit codes in ../errors.ts. */
export type AiCommandErrorCode =
  | 'GITFLEET_CLI_NOTHING_STAGED'
  | 'GITFLEET_CLI_HOOK_CONFLICT'
  | 'GITFLEET_CLI_BARE_REPOSITORY'
  | 'GITFLEET_CLI_GIT_FAILED'
  | 'GITFLEET_CLI_EDITOR_FAILED'
  | 'GITFLEET_CLI_COMMIT_ABORTED'
  | 'GITFLEET_CLI_SPLIT_FAILED';

export class AiCommandError extends Error {
  override name = 'AiCommandError';

  constructor(
    readonly code: AiCommandErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isAiCommandError(error: unknown): error is AiCommandError {
  return error instanceof Error && error.name === 'AiCommandError' && typeof (error as { code?: unknown }).code === 'string';
}
