import { isGitError } from '@gitfleet/git';

/** Exit codes, in one place. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** 128 + SIGINT, as shells report an interrupted command. */
  interrupted: 130,
} as const;

/** Bad command-line input: reported with the usage exit code. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'GITFLEET_CLI_USAGE';
}

/** One line for the terminal: no stack, no nested causes. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const text = error.message.split('\n')[0] ?? String(error);
    return isGitError(error) || error instanceof UsageError ? text : `${error.name}: ${text}`;
  }
  return String(error);
}
