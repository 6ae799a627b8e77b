import { isGitError } from '@gitfleet/git';
import { isAiCommandError } from './hook/errors.js';
import { safe } from './output.js';

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
    const text = safe(error.message.split('\n')[0] ?? String(error));
    return isGitError(error) || error instanceof UsageError || isAiCommandError(error) || isGitfleetError(error) ? text : `${error.name}: ${text}`;
  }
  return safe(String(error));
}

/** Errors of our packages (ai-diff, providers, tokens), matched by code: their messages are written for users. */
function isGitfleetError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('GITFLEET_');
}
