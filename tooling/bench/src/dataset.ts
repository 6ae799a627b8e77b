import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { generateLargeRepo } from '@gitfleet/test-kit';

export interface DatasetParams {
  commits: number;
  files: number;
  seed: number;
}

export interface Dataset extends DatasetParams {
  path: string;
  head: string;
  /** Commits reachable from HEAD (what history walks). */
  historyCount: number;
  /** Files tracked at HEAD, in `git ls-files` order. */
  trackedFiles: string[];
  /** Wall time of the generation that made this dataset (0 if that time is unknown). */
  generateMs: number;
  reused: boolean;
}

const execGit = async (cwd: string, args: string[]): Promise<string> =>
  (await promisify(execFile)('git', args, { cwd, maxBuffer: 256 * 2 ** 20 })).stdout;

/**
 * The benchmark repository, cached under `<workDir>/repo-c<commits>-f<files>-s<seed>`.
 * A marker file written after a successful generation makes re-runs reuse it;
 * a directory without its marker (an interrupted run) is regenerated.
 */
export async function ensureDataset(workDir: string, params: DatasetParams, log: (s: string) => void): Promise<Dataset> {
  const key = `repo-c${params.commits}-f${params.files}-s${params.seed}`;
  const path = join(workDir, key);
  const marker = `${path}.json`;
  let generateMs = 0;
  let reused = true;
  try {
    generateMs = (JSON.parse(await readFile(marker, 'utf8')) as { generateMs: number }).generateMs;
    await execGit(path, ['rev-parse', '--verify', 'HEAD']);
  } catch {
    reused = false;
    log(`generating dataset ${key} (git fast-import)...`);
    await rm(path, { recursive: true, force: true });
    await rm(marker, { force: true });
    await mkdir(workDir, { recursive: true });
    const start = performance.now();
    const repo = await generateLargeRepo({ ...params, dir: path });
    generateMs = performance.now() - start;
    await writeFile(marker, `${JSON.stringify({ ...params, head: repo.head, generateMs }, null, 2)}\n`);
    log(`generated in ${(generateMs / 1000).toFixed(1)} s`);
  }
  const head = (await execGit(path, ['rev-parse', 'HEAD'])).trim();
  const historyCount = Number((await execGit(path, ['rev-list', '--count', 'HEAD'])).trim());
  const trackedFiles = (await execGit(path, ['ls-files', '-z'])).split('\0').filter(Boolean);
  return { ...params, path, head, historyCount, trackedFiles, generateMs, reused };
}
