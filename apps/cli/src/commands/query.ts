import { NAMED_QUERIES, openDataset, type DatasetRow } from '@gitfleet/dataset';
import { z } from 'zod';
import { parseOptions, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { ItemWriter, table, write } from '../output.js';

const schema = z.object({
  data: z.string({ message: 'the dataset directory is required: --data <dir>' }).min(1),
  named: z.union([z.string(), z.literal(true)]).optional(),
  param: z.array(z.string()).default([]),
  includeBots: z.boolean().default(false),
  repair: z.boolean().default(false),
  format: z.enum(['table', 'json', 'ndjson', 'csv']).default('table'),
  csvSafe: z.boolean().default(false),
});

/** `key=value` pairs of --param. */
function parameters(pairs: readonly string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`option --param: expected name=value, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq).replaceAll('-', '_')] = pair.slice(eq + 1);
  }
  return out;
}

/** JSON-safe and display-friendly values: bigint beyond 2^53 as a string, dates as ISO, bytes as hex. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function output(rows: AsyncIterable<DatasetRow>, format: 'table' | 'json' | 'ndjson' | 'csv', csvSafe: boolean): Promise<void> {
  if (format === 'table') {
    const all: DatasetRow[] = [];
    let columns: string[] | undefined;
    for await (const row of rows) {
      columns ??= Object.keys(row);
      all.push(plain(row) as DatasetRow);
    }
    if (!columns) return write('(no rows)\n');
    const numeric = columns.map((c) => (all.every((r) => r[c] === null || typeof r[c] === 'number') ? 'right' : 'left'));
    return write(table(columns, all.map((r) => columns.map((c) => cell(r[c]))), numeric as ('left' | 'right')[]));
  }
  const out = new ItemWriter<DatasetRow>(format, undefined, { csvSafe });
  for await (const row of rows) await out.add(plain(row) as DatasetRow);
  await out.end();
}

/** `gitfleet query --data <dir> "<SQL>"`, `--named <name>`, or `--named` alone to list them. */
export async function queryCommand(sql: string | undefined, raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  if (opts.named === true) {
    if (opts.format !== 'table') return output(toAsync(NAMED_QUERIES.map((q) => ({ ...q }) as unknown as DatasetRow)), opts.format, opts.csvSafe);
    const rows = NAMED_QUERIES.map((q) => [q.name, q.parameters.map((p) => `${p.name}=${p.default === null ? '' : String(p.default)}`).join(' '), q.description]);
    return write(table(['name', 'parameters (defaults)', 'answers'], rows));
  }
  if (opts.named !== undefined && sql !== undefined) throw new UsageError('give either SQL or --named <name>, not both');
  if (opts.named === undefined && sql === undefined) throw new UsageError('give the SQL to run, or --named <name> (--named alone lists them)');
  if (opts.named !== undefined && !NAMED_QUERIES.some((q) => q.name === opts.named)) {
    throw new UsageError(`unknown named query ${JSON.stringify(opts.named)}; known: ${NAMED_QUERIES.map((q) => q.name).join(', ')}`);
  }
  if (opts.named === undefined && opts.param.length > 0) throw new UsageError('--param applies to --named queries');
  const dataset = await openDataset(opts.data, { repair: opts.repair, signal: ctx.signal });
  try {
    const options = { signal: ctx.signal };
    if (opts.named !== undefined) {
      const params = { ...parameters(opts.param), ...(opts.includeBots ? { include_bots: true } : {}) };
      await output(toAsync(await dataset.named(opts.named, params, options)), opts.format, opts.csvSafe);
    } else {
      await output(dataset.stream(sql!, undefined, options), opts.format, opts.csvSafe);
    }
  } finally {
    await dataset.close();
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
