import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { openRepository, type EngineChoice, type Operation, type Repository } from '@gitfleet/git';
import { parseSize } from '@gitfleet/cache';
import { createSession, type Session, type SessionOptions } from '@gitfleet/session';
import bytes from 'bytes';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { note } from './output.js';

export const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export const ENGINES = ['auto', 'git', 'es-git'] as const;

/** Options every repository command accepts. */
export const globalSchema = z.object({
  format: z.enum(FORMATS).default('table'),
  engine: z.enum(ENGINES).default('auto'),
  cache: z.boolean().default(true),
  cacheDir: z.string().optional(),
  csvSafe: z.boolean().default(false),
});
export type GlobalOptions = z.infer<typeof globalSchema>;

/** Parses options with a schema; failures become one-line usage errors. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.map(String).join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  throw new UsageError(`option --${name}: ${issue.message}`);
}

export const positiveInt = z.coerce.number().int().positive();

/** `512KB`, `50M`, `2GiB`, `1048576` (bytes; units are powers of 1024), or `none` for no limit. */
export const byteSize = z.string().transform((raw, ctx) => {
  if (/^(none|unlimited)$/i.test(raw.trim())) return Infinity;
  try {
    return parseSize(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected a size such as 50MB, 512K or 1048576, or none; got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
});

/** How the CLI prints a byte count (`50 MB`). */
export const formatSize = (n: number): string => bytes.format(n, { unitSeparator: ' ' }) ?? `${n} B`;

/**
 * One stderr line when the engine that runs `operation` cannot fill a field the output shows
 * (es-git: tz offsets are null).
 */
export async function noteMissingFields(repo: Repository, operation: Operation): Promise<void> {
  const { engine, tzOffsets } = await repo.capabilities(operation);
  if (!tzOffsets) note(`${engine} engine: tz offsets unavailable (null)`);
}

/**
 * The es-git worker sits next to the bundle (dist/worker.js). When the CLI runs unbundled,
 * the library finds its own worker.
 */
function workerUrl(): URL | undefined {
  const url = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

export interface RunContext {
  signal: AbortSignal;
}

export async function open(path: string, options: GlobalOptions, ctx: RunContext): Promise<Repository> {
  const url = workerUrl();
  return openRepository(path, {
    engine: options.engine as EngineChoice,
    engineOptions: url ? { esGitWorkerUrl: url } : {},
    cache: options.cache ? (options.cacheDir ?? true) : false,
    signal: ctx.signal,
  });
}

/**
 * The command's shared resources (tokens from the store and the environment, provider clients,
 * git tokens), with skipped configuration noted on stderr. `cache`/`cacheDir` as the options say.
 */
export function session(options: { cache: boolean; cacheDir?: string | undefined }, extra: Pick<SessionOptions, 'onWait'> = {}): Session {
  return createSession({ cache: options.cache ? (options.cacheDir ?? true) : false, userAgent: 'gitfleet-cli', onNote: note, ...extra });
}
