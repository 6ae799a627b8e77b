import { openDataset, type Dataset } from '@gitfleet/dataset';
import { collectReportData, reportChunks, writeReport, type ReportOptions } from '@gitfleet/report';
import { z } from 'zod';
import { formatSize, parseOptions, positiveInt, type RunContext } from '../context.js';
import { safe, write } from '../output.js';
import { Progress } from '../progress.js';

/** Report options `report` and `analyze --format html` share. */
export const reportSchema = z.object({
  output: z.string().min(1).default('report.html'),
  title: z.string().optional(),
  includeBots: z.boolean().default(false),
  threshold: z.coerce.number().optional(),
  top: positiveInt.optional(),
  maxAuthors: z.coerce.number().int().min(0).optional(),
});
type ReportCliOptions = z.infer<typeof reportSchema>;

const schema = reportSchema.extend({
  data: z.string({ message: 'the dataset directory is required: --data <dir>' }).min(1),
  repair: z.boolean().default(false),
});

export function reportOptions(opts: Omit<ReportCliOptions, 'output'>, ctx: RunContext): ReportOptions {
  return {
    includeBots: opts.includeBots,
    signal: ctx.signal,
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    ...(opts.top !== undefined ? { top: opts.top } : {}),
    ...(opts.maxAuthors !== undefined ? { maxAuthors: opts.maxAuthors } : {}),
  };
}

/** Write the report of `source` to `output` (`-`: stdout) and say what was written; a bar on a terminal meanwhile. */
export async function emitReport(source: Dataset | string, output: string, reportOptions: ReportOptions): Promise<void> {
  const progress = new Progress();
  const options: ReportOptions = { ...reportOptions, onProgress: (stage, e) => progress.update(stage === 'collect' ? 'report queries' : 'report bytes', e) };
  try {
    await emit(source, output, options);
  } finally {
    progress.stop();
  }
}

async function emit(source: Dataset | string, output: string, options: ReportOptions): Promise<void> {
  if (output === '-') {
    const dataset = typeof source === 'string' ? await openDataset(source, options.signal ? { signal: options.signal } : {}) : source;
    try {
      const data = await collectReportData(dataset, options);
      for await (const chunk of reportChunks(data, options.signal ? { signal: options.signal } : {})) await write(chunk);
    } finally {
      if (dataset !== source) await dataset.close();
    }
    return;
  }
  const result = await writeReport(source, output, options);
  const repositories = `${String(result.repositories)} ${result.repositories === 1 ? 'repository' : 'repositories'}`;
  await write(`${safe(result.file)}: ${repositories}, ${result.commits.toLocaleString('en')} commits, ${formatSize(result.bytes)}\n`);
}

/** `gitfleet report --data <dir> -o report.html`: one self-contained HTML report of a dataset. */
export async function reportCommand(raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  const dataset = await openDataset(opts.data, { repair: opts.repair, signal: ctx.signal });
  try {
    await emitReport(dataset, opts.output, reportOptions(opts, ctx));
  } finally {
    await dataset.close();
  }
}
