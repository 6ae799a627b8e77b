import { readFile } from 'node:fs/promises';
import { mine, type MineEvent, type MineOptions, type MineResult, type MineSource, type MineSummary, type ProviderData } from '@gitfleet/mine';
import { parseSourceArgs, parseSourceList } from '@gitfleet/session';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { byteSize, parseOptions, positiveInt, session, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { createWaitNotice } from '../forge/wait-notice.js';
import { ItemWriter, note, safe, table, write } from '../output.js';

const PROVIDER_DATA = ['prs', 'issues', 'contributors'] as const;

const schema = z.object({
  out: z.string({ message: 'the dataset directory is required: --out <dir>' }).min(1),
  from: z.string().optional(),
  clones: z.string().optional(),
  include: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  forks: z.boolean().default(true),
  archived: z.boolean().default(true),
  since: z.string().optional(),
  until: z.string().optional(),
  excludePath: z.array(z.string()).default([]),
  blame: z.boolean().default(true),
  blameLines: z.boolean().default(false),
  with: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(PROVIDER_DATA, { message: `expected a comma-separated list of ${PROVIDER_DATA.join(', ')}` })))
    .optional(),
  jobs: positiveInt.optional(),
  cloneJobs: positiveInt.optional(),
  maxFileSize: byteSize.optional(),
  timeout: positiveInt.optional(),
  retries: z.coerce.number().int().min(0).default(2),
  format: z.enum(['table', 'json', 'ndjson']).default('table'),
  cache: z.boolean().default(true),
  cacheDir: z.string().optional(),
});
type MineCliOptions = z.infer<typeof schema>;

/** The options `analyze --format parquet` shares with `mine`. */
export interface MineCommandInput {
  sources: MineSource[];
  options: Omit<MineOptions, 'session' | 'signal'>;
  format: MineCliOptions['format'];
  cache: { cache: boolean; cacheDir?: string | undefined };
}

/**
 * `gitfleet mine <source...> --out <dir>`: the fleet into a dataset. Progress as bars on a TTY (or
 * ndjson events), a summary at the end; returns the number of repositories that failed.
 */
export async function mineCommand(args: string[], raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  const sources: MineSource[] = parseSourceArgs(args);
  if (opts.from !== undefined) {
    const text = opts.from === '-' ? await readStdin() : await readFile(opts.from, 'utf8');
    sources.push(...parseSourceList(text, opts.from === '-' ? 'stdin' : opts.from));
  }
  if (sources.length === 0) {
    throw new UsageError('no sources: give github:<owner>, gitlab:<group>, repository targets, clone URLs or local paths, or a list with --from FILE|-');
  }
  return runMine(
    {
      sources,
      format: opts.format,
      cache: { cache: opts.cache, cacheDir: opts.cacheDir },
      options: {
        out: opts.out,
        include: opts.include,
        exclude: opts.exclude,
        forks: opts.forks,
        archived: opts.archived,
        excludePaths: opts.excludePath,
        blame: opts.blame,
        blameLines: opts.blameLines,
        retries: opts.retries,
        ...(opts.clones !== undefined ? { clones: opts.clones } : {}),
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.until !== undefined ? { until: opts.until } : {}),
        ...(opts.with !== undefined ? { with: opts.with as ProviderData[] } : {}),
        ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
        ...(opts.cloneJobs !== undefined ? { cloneJobs: opts.cloneJobs } : {}),
        ...(opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {}),
        ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
      },
    },
    ctx,
  );
}

/** Runs the pipeline and prints its progress and summary; shared by `mine` and `analyze --format parquet`. */
export async function runMine(input: MineCommandInput, ctx: RunContext): Promise<number> {
  const run = mine(input.sources, { ...input.options, session: session(input.cache, { onWait: createWaitNotice() }), signal: ctx.signal });
  const items = input.format === 'ndjson' ? new ItemWriter<Record<string, unknown>>('ndjson') : undefined;
  const bars = progressBars(input.format);
  try {
    for await (const event of run) {
      bars.update(event);
      if (items) await items.add(event as unknown as Record<string, unknown>);
      else if (event.type === 'failed' && !bars.live) note(`${event.repository}: ${event.stage} failed: ${event.error.message}`);
    }
  } finally {
    bars.stop();
  }
  const summary = await run.summary;
  if (items) {
    const { results: _results, ...rest } = summary;
    await items.add({ type: 'summary', ...rest });
    await items.end();
  } else if (input.format === 'json') await write(`${JSON.stringify(summary, null, 2)}\n`);
  else await write(renderSummary(summary));
  if (summary.aborted) {
    note(`interrupted: ${String(summary.repositories - summary.interrupted)} repositories done, ${String(summary.interrupted)} not; a rerun completes the dataset`);
    throw ctx.signal.reason;
  }
  return summary.failed;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return text;
}

const STATUS_ORDER: Record<MineResult['status'], number> = { failed: 0, interrupted: 1, published: 2, unchanged: 3 };

/** One row per repository (failures first), then the totals. */
export function renderSummary(s: MineSummary): string {
  const rows = [...s.results]
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (a.repository < b.repository ? -1 : 1))
    .map((r) => [
      r.status,
      (r.durationMs / 1000).toFixed(1),
      r.rows?.commits ?? '',
      r.rows?.ownership ?? '',
      r.repository,
      r.error ? `${r.stage ?? ''}: ${r.error.message}` : '',
    ]);
  const head = s.results.length ? table(['status', 'seconds', 'commits', 'ownership', 'repository', 'error'], rows, ['left', 'right', 'right', 'right', 'left', 'left']) : '';
  const parts = [`${String(s.published)} published`, `${String(s.unchanged)} unchanged`, `${String(s.failed)} failed`];
  if (s.interrupted) parts.push(`${String(s.interrupted)} interrupted`);
  const totals = [
    `${String(s.repositories)} ${s.repositories === 1 ? 'repository' : 'repositories'}: ${parts.join(', ')} in ${(s.durationMs / 1000).toFixed(1)} s`,
    `rows published: ${Object.entries(s.rows).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${String(n)}`).join(', ') || 'none'}`,
    s.authors === null ? 'authors not merged (interrupted): the next run does it' : `authors: ${String(s.authors)}`,
    `dataset: ${safe(s.out)} (gitfleet query --data ${safe(s.out)} --named top-authors)`,
  ];
  return `${head}${totals.join('\n')}\n`;
}

interface Bars {
  /** True while bars are drawn (failures are then shown in them and in the summary). */
  live: boolean;
  update(event: MineEvent): void;
  stop(): void;
}

/** Bars for repositories at work; a repository without a free one is counted in the overall line only. */
const SLOTS = 8;

/**
 * Live bars on stderr (a TTY only): a `done / total` line and a fixed set of slots, each showing
 * one repository at work. Slots are reused rather than removed: cli-progress leaves a removed
 * bar's last drawing on screen.
 */
function progressBars(format: MineCliOptions['format']): Bars {
  const streamsToTerminal = format !== 'table' && process.stdout.isTTY;
  if (!process.stderr.isTTY || process.env['CI'] || streamsToTerminal) return { live: false, update: () => undefined, stop: () => undefined };
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
      barsize: 20,
      format: (options, params, payload: { name?: string; stage?: string; detail?: string }) => {
        if (!payload.name) return '';
        const size = options.barsize ?? 20;
        const done = Math.round(params.progress * size);
        return `${payload.name} [${'█'.repeat(done)}${'░'.repeat(size - done)}] ${payload.stage ?? ''} ${payload.detail ?? ''}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  const counts = { total: 0, done: 0, published: 0, unchanged: 0, failed: 0 };
  const queued = new Set<string>();
  const overall = multi.create(0, 0, {}, { format: 'mine: {value}/{total} repositories, {published} published, {unchanged} unchanged, {failed} failed' });
  const slots = Array.from({ length: SLOTS }, () => ({ bar: multi.create(100, 0, { name: '' }), repository: undefined as string | undefined }));
  const refresh = (): void => {
    overall.setTotal(counts.total);
    overall.update(counts.done, counts);
  };
  const shortName = (repository: string): string => (repository.length > 40 ? `…${repository.slice(-39)}` : repository).padEnd(40);
  return {
    live: true,
    update(event) {
      if (event.type === 'queued') {
        queued.add(event.repository);
        counts.total++;
        refresh();
      } else if (event.type === 'progress') {
        let slot = slots.find((s) => s.repository === event.repository);
        // A repository waiting for its clone to start has nothing to show yet.
        if (!slot && (event.stage !== 'clone' || event.done > 0)) {
          slot = slots.find((s) => s.repository === undefined);
          if (slot) slot.repository = event.repository;
        }
        if (!slot) return;
        const percent = event.percent ?? (event.total ? Math.floor((event.done / event.total) * 100) : 0);
        const detail = event.stage === 'history' ? `${String(event.done)} commits` : event.total !== undefined ? `${String(event.done)}/${String(event.total)}` : '';
        slot.bar.update(percent, { name: shortName(safe(event.repository)), stage: event.stage, detail });
      } else if (event.type === 'published' || event.type === 'unchanged' || event.type === 'failed') {
        const slot = slots.find((s) => s.repository === event.repository);
        if (slot) {
          slot.repository = undefined;
          slot.bar.update(0, { name: '' });
        }
        // A source that failed before naming a repository was never queued.
        if (!queued.delete(event.repository)) counts.total++;
        counts.done++;
        counts[event.type]++;
        refresh();
        if (event.type === 'failed') multi.log(`gitfleet: ${safe(event.repository)}: ${event.stage} failed: ${safe(event.error.message)}\n`);
      }
    },
    stop: () => multi.stop(),
  };
}
