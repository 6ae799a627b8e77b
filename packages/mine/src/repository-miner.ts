import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetWriter, RepositoryTableName } from '@gitfleet/dataset';
import type { FleetResult } from '@gitfleet/git';
import { createSession, type GitTokenLookup, type Session } from '@gitfleet/session';
import { clonePath } from './clone-path.js';
import type { RepositoryJob } from './discover.js';
import { RepositoryError } from './errors.js';
import { extract, prepare, type ExtractContext } from './extract.js';
import { toFailure } from './failure.js';
import { createGitBackend, type GitBackend } from './git-host.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { PriorityLimit } from './priority-limit.js';
import { credentialHost, withoutUserinfo } from './url.js';
import type { MineOptions, MineProgressStage, MineStage, TableRows } from './types.js';

/** Progress events of one repository and stage are at least this far apart (first and last always go out). */
const PROGRESS_INTERVAL_MS = 100;
/** Written into a clones directory this pipeline made: its clones may be re-cloned when a server rewrote history. */
const MARKER = '.gitfleet-clones';

/** A progress report of one repository (throttled: a stage's first and last always come). */
export interface RepositoryProgress {
  stage: MineProgressStage;
  done: number;
  total?: number;
  percent?: number;
}

/** How {@link RepositoryMiner.mine} ended when it did not throw. */
export type RepositoryOutcome = { status: 'published'; rows: TableRows } | { status: 'unchanged' };

export interface MineRepositoryOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RepositoryProgress) => void;
}

/** Options of {@link createRepositoryMiner}: those of `mine` (`signal` goes to each call instead). */
export type RepositoryMinerOptions = Omit<MineOptions, 'signal'>;

/**
 * Mines one repository at a time into a dataset writer: the unit of work of `mine()` and of a queue
 * worker. It owns the git helper process and the extraction slots (`jobs`, largest repository
 * first); the caller owns the writer.
 *
 * @example
 * ```ts
 * const miner = createRepositoryMiner({ out: 'data' });
 * const writer = await openDatasetWriter('data');
 * for await (const found of discoverRepositories(['github:acme'], { out: 'data' })) {
 *   if (found.kind === 'job') console.log(found.job.repository, await miner.mine(found.job, writer));
 * }
 * await miner.close();
 * await writer.close();
 * ```
 */
export function createRepositoryMiner(options: RepositoryMinerOptions): RepositoryMiner {
  return new RepositoryMiner(resolveOptions(options), options);
}

export class RepositoryMiner {
  /** The options after validation (the shape digest is part of every fingerprint). */
  readonly options: ResolvedOptions;
  readonly session: Session;
  private readonly git: GitBackend;
  private readonly extractions: PriorityLimit;
  private tokens: Promise<GitTokenLookup> | undefined;
  private marked: Promise<boolean> | undefined;

  /** @internal Use {@link createRepositoryMiner}. */
  constructor(options: ResolvedOptions, raw: RepositoryMinerOptions) {
    this.options = options;
    this.session = raw.session ?? createSession();
    this.extractions = new PriorityLimit(options.jobs);
    this.git = createGitBackend(
      {
        clones: options.clones,
        cloneJobs: options.cloneJobs,
        retries: options.retries,
        timeoutMs: options.timeoutMs,
        cache: options.cache,
        username: this.session.env['GITFLEET_GIT_USERNAME'] || undefined,
      },
      raw.engines,
    );
  }

  /**
   * Clone (or open in place), compare the fingerprint with the published one, extract and publish
   * one repository. Throws `RepositoryError` (with the `stage` and the failure as plain data) when
   * it fails; nothing of the repository is then published. Abort errors pass through as they are.
   */
  async mine(job: RepositoryJob, writer: DatasetWriter, options: MineRepositoryOptions = {}): Promise<RepositoryOutcome> {
    const signal = options.signal ?? new AbortController().signal;
    const progress = throttle(options.onProgress);
    let stage: MineStage = job.url !== undefined ? 'clone' : 'open';
    try {
      let path = job.path;
      if (job.url !== undefined) {
        progress('clone', 0);
        const result = await this.clone(job, signal, (done, total, percent) => progress('clone', done, total, percent));
        if (result.status === 'failed') throw Object.assign(new Error(result.error?.message ?? 'clone failed'), { code: result.error?.code ?? 'GITFLEET_GIT_CLONE_FAILED' });
        path = result.path!;
      }
      stage = 'open';
      const facts = await this.git.facts(path!, signal);
      const ctx: ExtractContext = {
        writer,
        options: this.options,
        session: this.session,
        git: this.git,
        signal,
        stage: (s) => (stage = s),
        progress: (s, done, total, percent) => progress(s, done, total, percent),
      };
      const prepared = await prepare(job, facts, ctx);
      if (writer.isUnchanged(job.repository, prepared.fingerprint)) return { status: 'unchanged' };
      // Largest first. In our own clones, a commit-graph with changed-path filters makes blame ~2x faster.
      const published = await this.extractions.run(facts.packBytes, async () => {
        if (job.url !== undefined) await this.git.commitGraph(facts.gitDir, signal);
        return extract(job, prepared, ctx);
      });
      const rows: TableRows = {};
      for (const [table, n] of Object.entries(published.rows) as [RepositoryTableName, number][]) if (n > 0) rows[table] = n;
      return { status: 'published', rows };
    } catch (error) {
      if (signal.aborted) throw error;
      throw new RepositoryError(job.repository, stage, toFailure(error), error);
    }
  }

  /** Stops the git helper process (what it runs is aborted). */
  async close(): Promise<void> {
    await this.git.close();
  }

  /**
   * Clone or refresh (in the git helper). A refresh that git refuses because the server rewrote a
   * branch (GITFLEET_GIT_DIVERGED) is cloned afresh when the clone is in a clones directory this
   * pipeline made (no one keeps local work there).
   */
  private async clone(job: RepositoryJob, signal: AbortSignal, onProgress: (done: number, total?: number, percent?: number) => void): Promise<FleetResult> {
    const url = job.url!;
    const owned = await (this.marked ??= this.markClones());
    const tokens = await (this.tokens ??= this.session.gitTokens());
    const host = credentialHost(url);
    const credential = host === undefined ? undefined : tokens(host);
    const request = { url, ...(host !== undefined && credential !== undefined ? { host, credential } : {}) };
    const result = await this.git.clone(request, signal, onProgress);
    if (result.status === 'failed' && result.error?.code === 'GITFLEET_GIT_DIVERGED' && owned) {
      await rm(clonePath(this.options.clones, withoutUserinfo(url)), { recursive: true, force: true });
      return this.git.clone(request, signal, onProgress);
    }
    return result;
  }

  /** Marks a new (or empty) clones directory as this pipeline's; true when it is. */
  private async markClones(): Promise<boolean> {
    const dir = this.options.clones;
    const entries = await readdir(dir).catch(() => [] as string[]);
    if (!entries.includes(MARKER) && entries.length > 0) return false;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, MARKER), 'Bare clones made by `gitfleet mine`; safe to delete (the next run clones again).\n');
    return true;
  }
}

/** Progress at most every PROGRESS_INTERVAL_MS per stage, except a stage's first and last. */
function throttle(onProgress: ((progress: RepositoryProgress) => void) | undefined): (stage: MineProgressStage, done: number, total?: number, percent?: number) => void {
  const last = new Map<MineProgressStage, number>();
  return (stage, done, total, percent) => {
    if (!onProgress) return;
    const now = Date.now();
    const previous = last.get(stage);
    const edge = done === 0 || (total !== undefined && done >= total);
    if (!edge && previous !== undefined && now - previous < PROGRESS_INTERVAL_MS) return;
    last.set(stage, now);
    onProgress({ stage, done, ...(total !== undefined ? { total } : {}), ...(percent !== undefined ? { percent } : {}) });
  };
}
