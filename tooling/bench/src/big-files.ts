/**
 * Scenario 6's repository: a 200 MiB text file (over the default 50 MiB blame limit, so analyze
 * must skip it alone) and a 1M-line file (under the limit: blamed in chunks), in two commits by
 * two authors, plus a few small files. Generated once into `<workDir>/bigfiles-v1`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { commitFiles, git, gitText } from '@gitfleet/test-kit';

export const HUGE_FILE = 'data/huge-200mib.txt';
export const MILLION_LINES_FILE = 'data/lines-1m.txt';
const HUGE_BYTES = 200 * 1024 * 1024;
const MILLION = 1_000_000;

export interface BigFileDataset {
  path: string;
  head: string;
  /** The two big files: path, bytes and lines at HEAD. */
  files: { path: string; bytes: number; lines: number }[];
  generateMs: number;
  reused: boolean;
}

/** Writes `lines(i)` for i = 0.. until `stop(i, bytesSoFar)`, streaming (never one big string). */
async function writeLines(file: string, line: (i: number) => string, stop: (i: number, bytes: number) => boolean): Promise<{ bytes: number; lines: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let i = 0;
  let batch: string[] = [];
  for (; !stop(i, bytes); i++) {
    const text = `${line(i)}\n`;
    bytes += text.length;
    batch.push(text);
    if (batch.length === 10_000) {
      if (!out.write(batch.join(''))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      batch = [];
    }
  }
  out.end(batch.join(''));
  await finished(out);
  return { bytes, lines: i };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

export async function ensureBigFileRepo(workDir: string, log: (line: string) => void): Promise<BigFileDataset> {
  const path = join(workDir, 'bigfiles-v1');
  const marker = `${path}.json`;
  try {
    const saved = JSON.parse(await readFile(marker, 'utf8')) as Omit<BigFileDataset, 'reused'>;
    if ((await gitText(path, ['rev-parse', 'HEAD'])).trim() === saved.head) return { ...saved, reused: true };
  } catch {
    // not generated yet, or interrupted: generate again
  }
  log('generating the big-file repository (200 MiB file, 1M-line file)...');
  const start = performance.now();
  await rm(path, { recursive: true, force: true });
  await mkdir(join(path, 'data'), { recursive: true });
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  const ada = { name: 'Ada Lovelace', email: 'ada@example.com', date: '1700000000 +0000' };
  const bob = { name: 'Bob Brown', email: 'bob@example.org', date: '1700086400 -0330' };
  const wordsOf = (i: number): string => `${WORDS[i % 8]} ${WORDS[(i * 7) % 8]} ${WORDS[(i * 3) % 8]}`;
  // ~100-byte lines up to 200 MiB.
  const huge = await writeLines(
    join(path, HUGE_FILE),
    (i) => `${String(i).padStart(10, '0')} ${wordsOf(i)} ${'lorem ipsum dolor sit amet '.repeat(2)}${wordsOf(i + 1)}`,
    (_i, bytes) => bytes >= HUGE_BYTES,
  );
  const millionLine = (i: number, edited: boolean): string => `${edited ? 'edited' : 'line'} ${i}: ${wordsOf(i)}`;
  await writeLines(join(path, MILLION_LINES_FILE), (i) => millionLine(i, false), (i) => i >= MILLION);
  await git(path, ['add', '--', 'data']);
  await commitFiles(path, { 'README.md': '# Big files\n', 'src/a.txt': 'one\ntwo\n', 'src/b.txt': 'three\n' }, { message: 'Add the data files', author: ada });
  // Bob edits every 50th line of the 1M-line file: blame spans two commits and many hunks.
  const million = await writeLines(join(path, MILLION_LINES_FILE), (i) => millionLine(i, i % 50 === 0), (i) => i >= MILLION);
  await git(path, ['add', '--', MILLION_LINES_FILE]);
  await commitFiles(path, { 'README.md': '# Big files\n\nEdited.\n' }, {
    message: 'Edit every 50th line',
    author: bob,
  });
  const dataset = {
    path,
    head: (await gitText(path, ['rev-parse', 'HEAD'])).trim(),
    files: [
      { path: HUGE_FILE, ...huge },
      { path: MILLION_LINES_FILE, ...million },
    ],
    generateMs: performance.now() - start,
  };
  await writeFile(marker, `${JSON.stringify(dataset, null, 2)}\n`);
  log(`generated in ${(dataset.generateMs / 1000).toFixed(1)} s`);
  return { ...dataset, reused: false };
}
