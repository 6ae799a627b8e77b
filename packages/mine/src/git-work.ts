import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowInput } from '@gitfleet/dataset';
import {
  createFleet,
  EngineSet,
  openRepository,
  writeCommitGraph,
  type CacheOption,
  type Fleet,
  type FleetResult,
  type FleetTask,
  type HostCredential,
  type Repository,
} from '@gitfleet/git';
import picomatch from 'picomatch';
import { blameRows, ownershipRows, type BlameOutput } from './blame-rows.js';
import { clonePath } from './clone-path.js';
import { commitFileRow, commitRow } from './rows.js';
import { withoutUserinfo } from './url.js';

/** Settings of a run's git work, fixed for the run. */
export interface GitWorkSettings {
  clones: string;
  cloneJobs: number;
  retries: number;
  timeoutMs: number | undefined;
  cache: CacheOption;
  /** Basic-auth username for clones (`GITFLEET_GIT_USERNAME` of the session), if set. */
  username: string | undefined;
}

export interface CloneRequest {
  url: string;
  /** The git credential for the URL's host (`host` as the URL writes it), looked up by the pipeline's session. */
  host?: string;
  credential?: string | HostCredential;
}

export interface CloneProgressUpdate {
  done: number;
  total?: number;
  percent: number;
}

/** What the pipeline needs to know of a repository before deciding whether it changed. */
export interface RepositoryFacts {
  root: string;
  gitDir: string;
  bare: boolean;
  /** Local branches (`refs/heads/*`). */
  branches: { name: string; commit: string; isHead: boolean }[];
  /** HEAD's commit, null when unborn. */
  head: string | null;
  /** Digest of `shallow` when the repository is shallow, else null. */
  shallow: string | null;
  /** Digest of a work tree's `.mailmap` (null for a bare repository: its mailmap is in HEAD). */
  mailmap: string | null;
  /** Bytes of the packs: how much work the repository roughly is. */
  packBytes: number;
}

export interface HistoryRequest {
  path: string;
  revs: string[];
  since: number | undefined;
  until: number | undefined;
  maxFileSize: number;
  excludePaths: string[];
}

/** Rows of `commits` and `commit_files`, a batch at a time. */
export interface HistoryBatch {
  commits: RowInput<'commits'>[];
  files: RowInput<'commit_files'>[];
}

export interface BlameRequest {
  path: string;
  rev: string;
  exclude: string[];
  concurrency: number;
  maxFileSize: number;
  lines: boolean;
}

export type Progress = (done: number, total?: number, percent?: number) => void;

/** Commits per batch; file rows flush a batch early. */
const BATCH = 1000;

/**
 * Every git operation of the pipeline, in one place: clone or refresh, the facts of a repository,
 * its commit-graph, its history and blame as rows. It runs in the git helper process (`git-worker`),
 * so that the pipeline's own process never forks; in process where there is no helper.
 */
export class GitWork {
  private fleet: Fleet | undefined;
  private readonly engines: EngineSet;
  private readonly credentials = new Map<string, string | HostCredential>();

  /** `engines`: the caller's (who closes them); by default its own. */
  constructor(
    private readonly settings: GitWorkSettings,
    private readonly sharedEngines?: EngineSet,
  ) {
    this.engines = sharedEngines ?? new EngineSet();
  }

  /** Clones or refreshes `url` (bare) into its clone directory; never rejects (failures are in the result). */
  async clone(request: CloneRequest, signal: AbortSignal, onProgress: Progress): Promise<FleetResult> {
    if (request.host !== undefined && request.credential !== undefined) this.credentials.set(request.host, request.credential);
    const fleet = (this.fleet ??= this.createFleet());
    const key = withoutUserinfo(request.url);
    const onTask = (task: FleetTask): void => {
      if (task.url === key) onProgress(task.progress.receivedObjects, task.progress.totalObjects || undefined, task.progress.percent);
    };
    fleet.on('progress', onTask);
    try {
      return await fleet.clone(request.url, { signal });
    } finally {
      fleet.off('progress', onTask);
    }
  }

  async facts(path: string, signal: AbortSignal): Promise<RepositoryFacts> {
    return this.withRepository(path, signal, async (repo) => {
      const branches = (await repo.branches({ signal })).filter((b) => b.kind === 'local').map((b) => ({ name: b.name, commit: b.commit, isHead: b.isHead }));
      const head = await repo.resolve('HEAD', { signal }).catch(() => null);
      const shallowFile = join(repo.gitDir, 'shallow');
      const shallow = await readFile(shallowFile).then(digest, () => null);
      const mailmap = repo.bare ? null : await readFile(join(repo.root, '.mailmap')).then(digest, () => 'none');
      return { root: repo.root, gitDir: repo.gitDir, bare: repo.bare, branches, head, shallow, mailmap, packBytes: await packBytes(repo.gitDir) };
    });
  }

  /** A commit-graph with changed-path filters: blame of a long history runs ~2x faster (see writeCommitGraph). */
  async commitGraph(path: string, signal: AbortSignal): Promise<void> {
    await writeCommitGraph(path, { signal });
  }

  /** Every commit of `revs` (mailmapped), with its file changes but those under `excludePaths`. */
  async *history(request: HistoryRequest, signal: AbortSignal, onProgress: Progress): AsyncGenerator<HistoryBatch> {
    const repo = await openRepository(request.path, { engine: 'git', engines: this.engines, cache: this.settings.cache, signal });
    try {
      const excluded = request.excludePaths.length ? picomatch(request.excludePaths, { dot: true }) : undefined;
      let batch: HistoryBatch = { commits: [], files: [] };
      for await (const commit of repo.history({
        rev: request.revs,
        files: true,
        mailmap: true,
        maxFileSize: request.maxFileSize,
        ...(request.since !== undefined ? { since: request.since } : {}),
        ...(request.until !== undefined ? { until: request.until } : {}),
        signal,
        onProgress: (e) => onProgress(e.done),
      })) {
        batch.commits.push(commitRow(commit));
        for (const f of commit.files ?? []) if (!excluded?.(f.path)) batch.files.push(commitFileRow(commit.sha, f));
        if (batch.commits.length >= BATCH || batch.files.length >= BATCH * 4) {
          yield batch;
          batch = { commits: [], files: [] };
        }
      }
      if (batch.commits.length > 0) yield batch;
    } finally {
      await repo.close();
    }
  }

  /**
   * Ownership (and lines) of every file at `rev`, as `blameRows` gives them. Ownership alone comes
   * from one walk over history (`repo.ownership()`, git blame's attribution); with `lines`, every
   * file is blamed by git.
   */
  async *blame(request: BlameRequest, signal: AbortSignal, onProgress: Progress): AsyncGenerator<BlameOutput> {
    const repo = await openRepository(request.path, { engine: 'git', engines: this.engines, cache: this.settings.cache, signal });
    try {
      const select = {
        rev: request.rev,
        concurrency: request.concurrency,
        maxFileSize: request.maxFileSize,
        ...(request.exclude.length ? { exclude: request.exclude } : {}),
        signal,
      };
      if (request.lines) {
        yield* blameRows(repo.blameChunks({ ...select, onProgress: (e) => onProgress(e.done, e.total) }), true);
        return;
      }
      // The walk reports a percent of its commits; the rows then count files, as blame does.
      const own = await repo.ownership({
        ...select,
        fileCommits: true,
        onProgress: (stage, e) => {
          if (stage === 'walk' && e.total) onProgress(0, undefined, Math.floor((e.done / e.total) * 100));
        },
      });
      const total = own.files + own.errors.length;
      let done = own.errors.length;
      for (const out of ownershipRows(own)) {
        yield out;
        onProgress(++done, total);
      }
      if (own.files === 0) onProgress(done, total);
    } finally {
      await repo.close();
    }
  }

  async close(): Promise<void> {
    if (this.sharedEngines === undefined) await this.engines.close();
  }

  private createFleet(): Fleet {
    const { settings } = this;
    return createFleet([], {
      bare: true,
      pathFor: (url) => clonePath(settings.clones, url),
      concurrency: settings.cloneJobs,
      retries: settings.retries,
      tokens: (host) => this.credentials.get(host),
      // Tokens come from the pipeline's session (above), not from this process's environment.
      env: settings.username !== undefined ? { GITFLEET_GIT_USERNAME: settings.username } : {},
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    });
  }

  private async withRepository<T>(path: string, signal: AbortSignal, fn: (repo: Repository) => Promise<T>): Promise<T> {
    const repo = await openRepository(path, { engine: 'git', engines: this.engines, cache: false, signal });
    try {
      return await fn(repo);
    } finally {
      await repo.close();
    }
  }
}

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

async function packBytes(gitDir: string): Promise<number> {
  const dir = join(gitDir, 'objects', 'pack');
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.pack')) total += await stat(join(dir, name)).then((s) => s.size, () => 0);
  }
  return total;
}
