import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommitMessageResult, GenerateOptions } from '@gitfleet/ai-diff';
import { commentCharOf, fillMessage, isMessageEmpty } from './commit-message-file.js';
import { gitCommand } from './git-command.js';

/** prepare-commit-msg's second argument: where the message comes from. */
const SKIPPED_SOURCES = new Set(['message', 'template', 'merge', 'squash']);

export const DEFAULT_HOOK_DEADLINE_MS = 10_000;
/** Time past the deadline we give the library to hand back its local fallback before giving up. */
const GRACE_MS = 3_000;

export interface RunHookOptions {
  msgFile: string;
  source?: string | undefined;
  /** Hard deadline for generation; past it the library's local fallback message is used. */
  deadlineMs: number;
  conventional?: boolean;
  style?: 'plain' | 'conventional' | 'gitmoji';
  /** Message language (BCP 47). */
  language?: string;
  body?: boolean;
  cwd?: string;
  generate: (options: GenerateOptions) => Promise<CommitMessageResult>;
}

export type RunHookResult =
  | { action: 'skipped'; reason: string }
  | { action: 'filled'; result: CommitMessageResult };

/**
 * What `gitfleet hook run` does: skips `-m`/`-F`, templates, merges and squashes, and messages
 * already written (amend, `-c`); otherwise fills the file with a generated message, keeping git's
 * comment lines. The staged diff is read by the library with the inherited environment, so the
 * temporary index git uses for `commit -a` and `commit <paths>` (GIT_INDEX_FILE) is honoured.
 */
export async function runHook(options: RunHookOptions): Promise<RunHookResult> {
  const { source } = options;
  if (source !== undefined && SKIPPED_SOURCES.has(source)) return { action: 'skipped', reason: `message source is ${source}` };
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, options.msgFile);
  // Read at once: the message file, the comment character, and whether anything is staged (not with
  // --allow-empty; GIT_INDEX_FILE is inherited, as for the library).
  const [original, configured, staged] = await Promise.all([
    readFile(file, 'utf8'),
    gitCommand(['config', '--get', 'core.commentChar'], { cwd, okCodes: [1] }),
    gitCommand(['diff', '--cached', '--quiet'], { cwd, okCodes: [1] }),
  ]);
  const commentChar = commentCharOf(configured.code === 0 ? configured.stdout.trim() : null);
  if (!isMessageEmpty(original, commentChar)) return { action: 'skipped', reason: 'the message is already written' };
  if (staged.code === 0) return { action: 'skipped', reason: 'nothing staged' };

  // The library honours deadlineMs itself; this timer only guards against it not settling.
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no message within ${options.deadlineMs + GRACE_MS} ms`);
      controller.abort(error);
      reject(error);
    }, options.deadlineMs + GRACE_MS);
  });
  try {
    const result = await Promise.race([
      options.generate({
        repo: cwd,
        deadlineMs: options.deadlineMs,
        signal: controller.signal,
        ...(options.conventional ? { conventional: true } : {}),
        ...(options.style ? { style: options.style } : {}),
        ...(options.language ? { language: options.language } : {}),
        // The repository's own conventions (cached per HEAD; the first run may take part of the deadline).
        conventions: true,
        body: options.body === true,
      }),
      guard,
    ]);
    if (result.message.trim() === '') return { action: 'skipped', reason: 'the generated message was empty' };
    await writeFile(file, fillMessage(original, result.message));
    return { action: 'filled', result };
  } finally {
    clearTimeout(timer);
  }
}

/** GITFLEET_HOOK_DEADLINE_MS, or the default when unset or invalid. */
export function hookDeadline(env: NodeJS.ProcessEnv, onNote?: (note: string) => void): number {
  const raw = env['GITFLEET_HOOK_DEADLINE_MS'];
  if (raw === undefined || raw === '') return DEFAULT_HOOK_DEADLINE_MS;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  onNote?.(`GITFLEET_HOOK_DEADLINE_MS=${raw} is not a positive integer; using ${DEFAULT_HOOK_DEADLINE_MS} ms`);
  return DEFAULT_HOOK_DEADLINE_MS;
}
