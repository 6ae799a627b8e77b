import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createFleet, type FleetResult, type FleetTask } from '@gitfleet/git';
import { parseRepositoryArgs, parseRepositoryList, type RepositoryEntry } from '@gitfleet/session';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { parseOptions, positiveInt, session, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { ItemWriter, note, table, write } from '../output.js';

const schema = z.object({
  from: z.string().optional(),
  dir: z.string().default('.'),
  depth: positiveInt.optional(),
  branch: z.string().optional(),
  bare: z.boolean().default(false),
  concurrency: positiveInt.optional(),
  timeout: positiveInt.optional(),
  retries: z.coerce.number().int().min(0).default(2),
  format: z.enum(['table', 'json', 'ndjson']).default('table'),
});
type CloneFormat = z.infer<typeof schema>['format'];

/** Entries from arguments and `--from FILE|-` (see {@link parseRepositoryList}). */
async function readEntries(args: string[], from: string | undefined): Promise<RepositoryEntry[]> {
  const entries = parseRepositoryArgs(args);
  if (from !== undefined) entries.push(...parseRepositoryList(from === '-' ? await readStdin() : await readFile(from, 'utf8'), from === '-' ? 'stdin' : from));
  if (entries.length === 0) throw new UsageError('no repositories: give URLs, github:owner/repo or gitlab:group/project as arguments, or a list with --from FILE|-');
  return entries;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return text;
}

interface Bars {
  update(task: FleetTask): void;
  settled(done: number): void;
  stop(): void;
}

/** Live bars on stderr (a TTY only): one per repository and a `done / remaining` line. */
function progressBars(total: number, format: CloneFormat): Bars {
  // ndjson/json results stream to stdout: bars would be drawn over them on a shared terminal.
  const streamsToTerminal = format !== 'table' && process.stdout.isTTY;
  if (!process.stderr.isTTY || process.env['CI'] || streamsToTerminal) return { update: () => undefined, settled: () => undefined, stop: () => undefined };
  const multi = new cliProgress.MultiBar(
    { stream: process.stderr, format: '{name} [{bar}] {percentage}% {phase}', hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  const summary = multi.create(total, 0, { remaining: total }, { format: 'clone: {value}/{total} done, {remaining} remaining' });
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(task) {
      let bar = bars.get(task.url);
      if (!bar) bars.set(task.url, (bar = multi.create(100, 0, { name: task.name, phase: task.status })));
      const phase = task.status === 'cloning' ? task.progress.phase : task.status;
      bar.update(task.status === 'completed' ? 100 : task.progress.percent, { name: task.name, phase });
    },
    settled: (done) => summary.update(done, { remaining: total - done }),
    stop: () => multi.stop(),
  };
}

/** Prints results as they settle (json/ndjson), or a table of every repository at the end. */
class ResultPrinter {
  private chain: Promise<void> = Promise.resolve();
  private readonly items: ItemWriter<FleetResult> | undefined;
  private readonly byUrl = new Map<string, FleetResult>();

  constructor(private readonly format: CloneFormat) {
    this.items = format === 'table' ? undefined : new ItemWriter<FleetResult>(format);
  }

  add(result: FleetResult): Promise<void> {
    this.byUrl.set(result.url, result);
    const items = this.items;
    if (items) this.chain = this.chain.then(() => items.add(result));
    return this.chain;
  }

  /** `order`: every URL, for the table. Returns how many were interrupted. */
  async end(order: string[]): Promise<number> {
    await this.chain;
    const interrupted = [...this.byUrl.values()].filter(isInterrupted).length;
    if (this.items) {
      await this.items.end();
      return interrupted;
    }
    const rows = order.map((url) => this.byUrl.get(url) ?? { url, status: 'failed' as const, durationMs: 0, error: { code: 'GITFLEET_GIT_ABORTED', message: 'not started' } });
    await write(
      table(
        ['status', 'seconds', 'url', 'path / error'],
        rows.map((r) => [
          isInterrupted(r) ? 'interrupted' : r.refreshed ? 'refreshed' : r.status,
          (r.durationMs / 1000).toFixed(1),
          r.url,
          r.status === 'completed' ? (r.path ?? '') : (r.error?.message ?? ''),
        ]),
        ['left', 'right', 'left', 'left'],
      ),
    );
    return interrupted;
  }
}

const isInterrupted = (r: FleetResult): boolean => r.error?.code === 'GITFLEET_GIT_ABORTED';

/**
 * `gitfleet clone <repo...>`: clone (or refresh) many repositories at once. Results print as they
 * settle; on Ctrl-C what was printed stays and the rest is reported as interrupted. Returns the
 * failure count.
 */
export async function cloneCommand(args: string[], raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  const entries = await readEntries(args, opts.from);
  const tokens = await session({ cache: false }).gitTokens();
  await using fleet = createFleet(
    entries.flatMap((e) => ('url' in e ? [e.url] : [])),
    {
      destination: resolve(opts.dir),
      retries: opts.retries,
      bare: opts.bare,
      signal: ctx.signal,
      tokens,
      ...(opts.depth ? { depth: opts.depth } : {}),
      ...(opts.branch ? { branch: opts.branch } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
    },
  );
  const bad: FleetResult[] = entries.flatMap((e) => ('error' in e ? [{ url: e.entry, status: 'failed' as const, error: { code: 'GITFLEET_CLI_BAD_ENTRY', message: e.error }, durationMs: 0 }] : []));
  const urls = fleet.snapshot().map((t) => t.url);
  const total = urls.length + bad.length;
  const printer = new ResultPrinter(opts.format);
  const bars = progressBars(total, opts.format);
  fleet.on('progress', bars.update);
  fleet.on('state', bars.update);
  let settled = 0;
  const settle = (result: FleetResult): Promise<void> => {
    bars.settled(++settled);
    return printer.add(result);
  };
  let failed = 0;
  try {
    await Promise.all([
      ...bad.map(settle),
      ...urls.map(async (url) => {
        const result = await fleet.clone(url, { signal: ctx.signal });
        if (result.status === 'failed') failed++;
        await settle(result);
      }),
    ]);
  } finally {
    bars.stop();
  }
  const interrupted = await printer.end([...bad.map((r) => r.url), ...urls]);
  if (ctx.signal.aborted) {
    note(`${String(total - interrupted)} of ${String(total)} done, ${String(interrupted)} remaining`);
    throw ctx.signal.reason;
  }
  return failed + bad.length;
}
