import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createFleet, type FleetResult, type FleetTask } from '@gitfleet/git';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { parseOptions, positiveInt, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { ItemWriter, table, write } from '../output.js';

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

/** URLs from arguments and `--from FILE|-` (one per line; blank lines and # comments skipped). */
async function readUrls(args: string[], from: string | undefined): Promise<string[]> {
  const listed = from === undefined ? '' : from === '-' ? await readStdin() : await readFile(from, 'utf8');
  const urls = [...args, ...listed.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))];
  if (urls.length === 0) throw new UsageError('no repository URLs: give them as arguments or with --from FILE|-');
  return urls;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return text;
}

/** Live per-repository bars on stderr, on a TTY only. */
function progressBars(): { update(task: FleetTask): void; stop(): void } {
  if (!process.stderr.isTTY || process.env['CI']) return { update: () => undefined, stop: () => undefined };
  const multi = new cliProgress.MultiBar(
    { stream: process.stderr, format: '{name} [{bar}] {percentage}% {phase}', hideCursor: true, clearOnComplete: false, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(task) {
      let bar = bars.get(task.url);
      if (!bar) bars.set(task.url, (bar = multi.create(100, 0, { name: task.name, phase: task.status })));
      const phase = task.status === 'cloning' ? task.progress.phase : task.status;
      bar.update(task.status === 'completed' ? 100 : task.progress.percent, { name: task.name, phase });
    },
    stop: () => multi.stop(),
  };
}

/** `gitfleet clone <url...>`: clone (or refresh) many repositories at once. Returns the failure count. */
export async function cloneCommand(args: string[], raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  const urls = await readUrls(args, opts.from);
  const bars = progressBars();
  await using fleet = createFleet(urls, {
    destination: resolve(opts.dir),
    retries: opts.retries,
    bare: opts.bare,
    signal: ctx.signal,
    ...(opts.depth ? { depth: opts.depth } : {}),
    ...(opts.branch ? { branch: opts.branch } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
  });
  fleet.on('progress', bars.update);
  fleet.on('state', bars.update);
  let results: FleetResult[];
  try {
    results = await fleet.cloneAll({ signal: ctx.signal });
  } finally {
    bars.stop();
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  await printResults(results, opts.format);
  return results.filter((r) => r.status === 'failed').length;
}

async function printResults(results: FleetResult[], format: 'table' | 'json' | 'ndjson'): Promise<void> {
  if (format !== 'table') {
    const out = new ItemWriter<FleetResult>(format);
    for (const r of results) await out.add(r);
    return out.end();
  }
  await write(
    table(
      ['status', 'seconds', 'url', 'path / error'],
      results.map((r) => [
        r.refreshed ? 'refreshed' : r.status,
        (r.durationMs / 1000).toFixed(1),
        r.url,
        r.status === 'completed' ? (r.path ?? '') : (r.error?.message ?? ''),
      ]),
      ['left', 'right', 'left', 'left'],
    ),
  );
}
