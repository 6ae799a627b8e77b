import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { openRepository, type EngineChoice, type Repository } from '@gitfleet/git';
import { z } from 'zod';
import { UsageError } from './errors.js';

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
