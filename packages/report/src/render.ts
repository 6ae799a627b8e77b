import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { openDataset, type Dataset } from '@gitfleet/dataset';
import { collect } from './collect.js';
import { ReportAbortedError, ReportIOError, throwIfAborted } from './errors.js';
import { htmlHead, htmlTail, jsonForScript } from './html.js';
import { resolveOptions, type ReportOptions, type ResolvedReportOptions } from './options.js';
import type { ReportData } from './report-data.js';

/** A dataset, or the directory of one (opened read-only for the report, then closed). */
export type ReportSource = Dataset | string;

export interface WriteReportResult {
  file: string;
  bytes: number;
  repositories: number;
  commits: number;
}

/** Repositories serialised between two turns of the event loop. */
const REPOSITORIES_PER_CHUNK = 50;

/**
 * The HTML of a report from its data, chunk by chunk: the page, then the data (one chunk per few
 * repositories, yielding to the event loop in between), then the page script.
 *
 * @example
 * for await (const chunk of reportChunks(data)) process.stdout.write(chunk);
 */
export async function* reportChunks(data: ReportData, options: { signal?: AbortSignal } = {}): AsyncGenerator<string> {
  const { repositories, ...rest } = data;
  yield htmlHead(data);
  yield `${jsonForScript(rest).slice(0, -1)},"repositories":[`;
  for (let i = 0; i < repositories.length; i += REPOSITORIES_PER_CHUNK) {
    await new Promise<void>((done) => setImmediate(done));
    throwIfAborted(options.signal);
    const part = repositories.slice(i, i + REPOSITORIES_PER_CHUNK).map(jsonForScript).join(',');
    yield i === 0 ? part : `,${part}`;
  }
  yield ']}';
  yield htmlTail();
}

/** Open the dataset if given a directory, collect, close. An abort is a ReportAbortedError, whichever step saw it. */
async function collectFrom(source: ReportSource, o: ResolvedReportOptions): Promise<ReportData> {
  const { signal } = o;
  try {
    if (typeof source !== 'string') return await collect(source, o);
    const dataset = await openDataset(source, signal ? { signal } : {});
    try {
      return await collect(dataset, o);
    } finally {
      await dataset.close();
    }
  } catch (error) {
    if (signal?.aborted && !(error instanceof ReportAbortedError)) throw new ReportAbortedError(error);
    throw error;
  }
}

/**
 * One self-contained HTML report of a dataset: the aggregates (computed in SQL), the page script
 * with its charting library, and the styles, all inlined; opening it makes no request.
 *
 * @example
 * const html = await renderReport('data', { title: 'Acme fleet' });
 * await writeFile('report.html', html);
 */
export async function renderReport(source: ReportSource, options: ReportOptions = {}): Promise<string> {
  const o = resolveOptions(options);
  const data = await collectFrom(source, o);
  const parts: string[] = [];
  for await (const chunk of reportChunks(data, o.signal ? { signal: o.signal } : {})) parts.push(chunk);
  return parts.join('');
}

/**
 * Write the report to `file`, streamed, through a temporary file renamed into place: the file is
 * either the whole new report or untouched.
 *
 * @example
 * const { bytes } = await writeReport('data', 'report.html');
 */
export async function writeReport(source: ReportSource, file: string, options: ReportOptions = {}): Promise<WriteReportResult> {
  const o = resolveOptions(options);
  const target = resolve(file);
  const data = await collectFrom(source, o);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const out = createWriteStream(temp, { flags: 'wx' });
  let failure: unknown;
  out.on('error', (error) => (failure ??= error));
  let bytes = 0;
  try {
    await once(out, 'open');
    for await (const chunk of reportChunks(data, o.signal ? { signal: o.signal } : {})) {
      if (failure) break;
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      o.onProgress?.('write', { done: bytes });
    }
    out.end();
    await once(out, 'close');
    if (failure) throw failure;
    await rename(temp, target);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    if (error instanceof ReportAbortedError) throw error;
    throw new ReportIOError(target, failure ?? error);
  }
  return { file: target, bytes, repositories: data.repositories.length, commits: data.totals.commits };
}
