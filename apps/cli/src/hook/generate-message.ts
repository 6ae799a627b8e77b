import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { CommitMessageResult, GenerateOptions, PrepareDiffOptions, PreparedDiff, SplitOptions, SplitProposal } from '@gitfleet/ai-diff';

/**
 * The ai-diff worker sits next to the bundle (dist/ai-diff-worker.js, see build.mjs). When the
 * CLI runs unbundled, the library finds its own worker.
 */
function aiWorkerUrl(): URL | undefined {
  const url = new URL('./ai-diff-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

function withWorker<T extends { workerUrl?: URL | string }>(options: T): T {
  const workerUrl = aiWorkerUrl();
  return workerUrl ? { ...options, workerUrl } : options;
}

// The library is loaded on demand: the other commands never pay for it.

let baselineWasm = false;

/**
 * undici parses HTTP with llhttp compiled to WebAssembly, and V8 then optimises that module on
 * background threads, which the process waits for when it exits: 0.2-0.5 s after the last
 * answer. A commit-message command sends a few requests and exits, so V8's baseline WebAssembly
 * code (Liftoff) is plenty: no tier-up, and the process ends as soon as its work is done. Set
 * once, before the first request compiles llhttp; this process only (the library never does this).
 */
function baselineWasmOnly(): void {
  if (baselineWasm) return;
  baselineWasm = true;
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

/**
 * Starts loading the library while the command does its own checks (git calls). Pair with
 * {@link releaseAiDiff} on paths that end before {@link generateMessage} or
 * {@link prepareMessage} (which release its workers themselves).
 */
export function preloadAiDiff(): void {
  baselineWasmOnly();
  import('@gitfleet/ai-diff').catch(() => undefined);
  // The worker module, which runs a small change on this thread: loaded, and its secret rules set
  // up (their first run costs tens of ms), while git works.
  const worker = aiWorkerUrl();
  if (worker) {
    (import(worker.href) as Promise<{ default: (task: { op: 'warm' }) => Promise<unknown> }>).then(
      (module) => module.default({ op: 'warm' }),
      () => undefined,
    ).catch(() => undefined);
  }
}

/**
 * A staged diff up to this size is prepared on the CLI's own thread (see `inProcessMaxChars` in
 * @gitfleet/ai-diff): the CLI has nothing else to run meanwhile, and starting a worker thread
 * would cost more than the few ms of work. Larger diffs go to the worker pool.
 */
export const IN_PROCESS_MAX_CHARS = 64 * 1024;

/** Stops the library's workers, if any were started. */
export async function releaseAiDiff(): Promise<void> {
  const { destroyAiDiffPool } = await import('@gitfleet/ai-diff');
  await destroyAiDiffPool();
}

/** generateCommitMessage with the bundled worker; the worker pool is released afterwards. */
export async function generateMessage(options: GenerateOptions): Promise<CommitMessageResult> {
  baselineWasmOnly();
  const { generateCommitMessage, destroyAiDiffPool } = await import('@gitfleet/ai-diff');
  try {
    return await generateCommitMessage(withWorker({ inProcessMaxChars: IN_PROCESS_MAX_CHARS, ...options }));
  } finally {
    await destroyAiDiffPool();
  }
}

/** proposeSplit with the bundled worker; the worker pool is released afterwards. */
export async function splitMessage(options: SplitOptions): Promise<SplitProposal> {
  baselineWasmOnly();
  const { proposeSplit, destroyAiDiffPool } = await import('@gitfleet/ai-diff');
  try {
    return await proposeSplit(withWorker({ inProcessMaxChars: IN_PROCESS_MAX_CHARS, ...options }));
  } finally {
    await destroyAiDiffPool();
  }
}

/** prepareDiff (the local stage, no model call) with the bundled worker. */
export async function prepareMessage(options: PrepareDiffOptions): Promise<PreparedDiff> {
  const { prepareDiff, destroyAiDiffPool } = await import('@gitfleet/ai-diff');
  try {
    return await prepareDiff(withWorker(options));
  } finally {
    await destroyAiDiffPool();
  }
}

/** Why a file's content was left out, in words: `lock file`, `looks like a secret: env file`. */
export function omitNote(file: CommitMessageResult['omitted'][number]): string {
  return file.reason === 'secret' ? `looks like a secret: ${file.detail ?? 'by its content'}` : file.reason;
}

/**
 * The notes that go to stderr: omitted files and why, `secretHint` once when a file was left out
 * as a secret, and why a local message was used.
 */
export function resultNotes(result: Pick<CommitMessageResult, 'omitted' | 'fallback'>, secretHint?: string): string[] {
  const notes = result.omitted.map((o) => `omitted ${o.path} (${omitNote(o)})`);
  if (secretHint && result.omitted.some((o) => o.reason === 'secret')) notes.push(secretHint);
  if (result.fallback) notes.push(`used a locally built message: ${result.fallback.reason}`);
  return notes;
}
