import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { openDatasetWriter, type DatasetWriter, type RepositoryTableName } from '@gitfleet/dataset';
import type { FleetResult } from '@gitfleet/git';
import { createSession, type GitTokenLookup, type Session } from '@gitfleet/session';
import { clonePath } from './clone-path.js';
import { discover, type RepositoryJob } from './discover.js';
import { EventChannel } from './event-channel.js';
import { extract, prepare, type ExtractContext } from './extract.js';
import { toFailure } from './failure.js';
import { createGitBackend, type GitBackend } from './git-host.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { PriorityLimit } from './priority-limit.js';
import { credentialHost, withoutUserinfo } from './url.js';
import type { MineEvent, MineFailure, MineOptions, MineProgressStage, MineResult, MineRun, MineSource, MineStage, MineSummary, TableRows } from './types.js';

/** Progress events of one repository and stage are at least this far apart (first and last always go out). */
const PROGRESS_INTERVAL_MS = 100;
/** Written into a clones directory this pipeline made: its clones may be re-cloned when a server rewrote history. */
const MARKER = '.gitfleet-clones';

/**
 * Mines repositories into a dataset (`@gitfleet/dataset`): lists provider sources through the
 * session's identity pool, clones or refreshes each repository (bare, into a clones directory that
 * persists between runs; local paths are read in place), then extracts its metadata, every commit
 * reachable from its branches with per-file changes, its branches and blame ownership at HEAD, and
 * publishes them all at once. Clones and extraction overlap, each bounded. A repository that fails
 * is recorded in `errors` and the rest go on; an unchanged repository (same refs, same options)
 * costs a fetch and nothing else; a killed run leaves no partial repository, and the next run
 * completes it. Authors are merged across the fleet at the end (`finalize`).
 *
 * Options are validated at once: a bad one throws `InvalidOptionError` (`GITFLEET_MINE_INVALID_OPTION`).
 *
 * @example
 * ```ts
 * const run = mine(['github:acme', '../local-repo'], { out: 'data', signal: AbortSignal.timeout(3_600_000) });
 * for await (const event of run) if (event.type === 'failed') console.error(event.repository, event.error.message);
 * const summary = await run.summary;
 * console.log(`${summary.published} published, ${summary.unchanged} unchanged, ${summary.failed} failed`);
 * ```
 */
export function mine(sources: readonly MineSource[], options: MineOptions): MineRun {
  if (!Array.isArray(sources)) throw new TypeError('sources must be an array of sources');
  const resolved = resolveOptions(options);
  const channel = new EventChannel<MineEvent>();
  const summary = new Pipeline(sources, resolved, options, channel).run();
  summary.then(
    () => channel.end(),
    (error: unknown) => channel.end(error),
  );
  return {
    summary,
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}

class Pipeline {
  private readonly signal: AbortSignal;
  private readonly results: MineResult[] = [];
  private readonly rows: TableRows = {};
  private readonly lastProgress = new Map<string, Map<MineProgressStage, number>>();
  private ownsMarker = false;
  /** Stops listening to the caller's signal. */
  private readonly unlink: () => void;

  constructor(
    private readonly sources: readonly MineSource[],
    private readonly options: ResolvedOptions,
    private readonly raw: MineOptions,
    private readonly channel: EventChannel<MineEvent>,
  ) {
    // One signal for the whole run: every clone, stream and transaction listens to it at once.
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const outer = raw.signal;
    const onAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => outer?.removeEventListener('abort', onAbort);
    this.signal = controller.signal;
  }

  async run(): Promise<MineSummary> {
    // Let the caller start iterating before the first event.
    await Promise.resolve();
    const started = Date.now();
    const { options, signal } = this;
    const session = this.raw.session ?? createSession();
    let writer: DatasetWriter | undefined;
    let authors: number | null = null;
    const git = createGitBackend(
      {
        clones: options.clones,
        cloneJobs: options.cloneJobs,
        retries: options.retries,
        timeoutMs: options.timeoutMs,
        cache: options.cache,
        username: session.env['GITFLEET_GIT_USERNAME'] || undefined,
      },
      this.raw.engines,
    );
    try {
      writer = await openDatasetWriter(options.out, { signal });
      const tokens = await session.gitTokens();
      const extractions = new PriorityLimit(options.jobs);
      const seen = new Set<string>();
      const running: Promise<void>[] = [];
      for await (const found of discover(this.sources, { options, session, signal })) {
        if (found.kind === 'listed') this.emit({ type: 'listed', source: found.source, repositories: found.repositories, filtered: found.filtered });
        else if (found.kind === 'failure') running.push(this.fail(writer, found.repository, found.stage, found.error, Date.now()));
        else if (!seen.has(found.job.repository)) {
          seen.add(found.job.repository);
          running.push(this.mineOne(found.job, { writer, git, tokens, session, extractions }));
        }
      }
      // Every repository settles (a fatal error, e.g. the dataset failing, is raised after).
      const settled = await Promise.allSettled(running);
      const fatal = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (fatal) throw fatal.reason;
      if (!signal.aborted) {
        const t = Date.now();
        const finalized = await writer.finalize({ signal });
        authors = finalized.authors;
        this.emit({ type: 'finalized', repositories: finalized.repositories, authors: finalized.authors, durationMs: Date.now() - t });
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      await git.close();
      await writer?.close();
      this.unlink();
    }
    const count = (status: MineResult['status']): number => this.results.filter((r) => r.status === status).length;
    return {
      out: options.out,
      repositories: this.results.length,
      published: count('published'),
      unchanged: count('unchanged'),
      failed: count('failed'),
      interrupted: count('interrupted'),
      results: this.results,
      rows: this.rows,
      authors,
      durationMs: Date.now() - started,
      aborted: signal.aborted,
    };
  }

  /** Clone (or open in place), compare the fingerprint, extract and publish one repository. */
  private async mineOne(
    job: RepositoryJob,
    ctx: { writer: DatasetWriter; git: GitBackend; tokens: GitTokenLookup; session: Session; extractions: PriorityLimit },
  ): Promise<void> {
    const started = Date.now();
    const { repository } = job;
    const { signal } = this;
    let stage: MineStage = job.url !== undefined ? 'clone' : 'open';
    this.emit({ type: 'queued', repository, source: job.source });
    try {
      let path = job.path;
      if (job.url !== undefined) {
        this.progress(repository, 'clone', 0);
        const result = await this.clone(ctx.git, ctx.tokens, job);
        if (result.status === 'failed') throw Object.assign(new Error(result.error?.message ?? 'clone failed'), { code: result.error?.code ?? 'GITFLEET_GIT_CLONE_FAILED' });
        path = result.path!;
      }
      stage = 'open';
      const facts = await ctx.git.facts(path!, signal);
      const extractContext: ExtractContext = {
        writer: ctx.writer,
        options: this.options,
        session: ctx.session,
        git: ctx.git,
        signal,
        stage: (s) => (stage = s),
        progress: (s, done, total, percent) => this.progress(repository, s, done, total, percent),
      };
      const prepared = await prepare(job, facts, extractContext);
      if (ctx.writer.isUnchanged(repository, prepared.fingerprint)) {
        this.finish({ repository, status: 'unchanged', durationMs: Date.now() - started });
        return;
      }
      // Largest first. In our own clones, a commit-graph with changed-path filters makes blame ~2x faster.
      const published = await ctx.extractions.run(facts.packBytes, async () => {
        if (job.url !== undefined) await ctx.git.commitGraph(facts.gitDir, signal);
        return extract(job, prepared, extractContext);
      });
      const rows: TableRows = {};
      for (const [table, n] of Object.entries(published.rows) as [RepositoryTableName, number][]) {
        if (n > 0) rows[table] = n;
        this.rows[table] = (this.rows[table] ?? 0) + n;
      }
      this.finish({ repository, status: 'published', rows, durationMs: Date.now() - started });
    } catch (error) {
      if (signal.aborted) this.finish({ repository, status: 'interrupted', durationMs: Date.now() - started });
      else await this.fail(ctx.writer, repository, stage, toFailure(error), started);
    }
  }

  /**
   * Clone or refresh (in the git helper). A refresh that git refuses because the server rewrote a
   * branch (GITFLEET_GIT_DIVERGED) is cloned afresh when the clone is in a clones directory this
   * pipeline made (no one keeps local work there).
   */
  private async clone(git: GitBackend, tokens: GitTokenLookup, job: RepositoryJob): Promise<FleetResult> {
    const url = job.url!;
    await this.markClones();
    const host = credentialHost(url);
    const credential = host === undefined ? undefined : tokens(host);
    const request = { url, ...(host !== undefined && credential !== undefined ? { host, credential } : {}) };
    const onProgress = (done: number, total?: number, percent?: number): void => this.progress(job.repository, 'clone', done, total, percent);
    const result = await git.clone(request, this.signal, onProgress);
    if (result.status === 'failed' && result.error?.code === 'GITFLEET_GIT_DIVERGED' && this.ownsMarker) {
      await rm(clonePath(this.options.clones, withoutUserinfo(url)), { recursive: true, force: true });
      return git.clone(request, this.signal, onProgress);
    }
    return result;
  }

  /** Marks a new (or empty) clones directory as this pipeline's. */
  private async markClones(): Promise<void> {
    if (this.ownsMarker) return;
    const dir = this.options.clones;
    const entries = await readdir(dir).catch(() => [] as string[]);
    if (entries.includes(MARKER) || entries.length === 0) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, MARKER), 'Bare clones made by `gitfleet mine`; safe to delete (the next run clones again).\n');
      this.ownsMarker = true;
    }
  }

  private async fail(writer: DatasetWriter, repository: string, stage: MineStage, error: MineFailure, started: number): Promise<void> {
    try {
      await writer.recordError(repository, { phase: stage, message: error.message, code: error.code });
    } catch (recordFailure) {
      if (this.signal.aborted) {
        this.finish({ repository, status: 'interrupted', durationMs: Date.now() - started });
        return;
      }
      throw recordFailure;
    }
    this.finish({ repository, status: 'failed', stage, error, durationMs: Date.now() - started });
  }

  private finish(result: MineResult): void {
    this.results.push(result);
    this.lastProgress.delete(result.repository);
    const { repository, durationMs } = result;
    if (result.status === 'published') this.emit({ type: 'published', repository, rows: result.rows ?? {}, durationMs });
    else if (result.status === 'unchanged') this.emit({ type: 'unchanged', repository, durationMs });
    else if (result.status === 'failed') this.emit({ type: 'failed', repository, stage: result.stage!, error: result.error!, durationMs });
  }

  /** A progress event, at most every PROGRESS_INTERVAL_MS per repository, except a stage's first and last. */
  private progress(repository: string, stage: MineProgressStage, done: number, total?: number, percent?: number): void {
    let stages = this.lastProgress.get(repository);
    if (!stages) this.lastProgress.set(repository, (stages = new Map()));
    const now = Date.now();
    const last = stages.get(stage);
    const edge = done === 0 || (total !== undefined && done >= total);
    if (!edge && last !== undefined && now - last < PROGRESS_INTERVAL_MS) return;
    stages.set(stage, now);
    this.emit({
      type: 'progress',
      repository,
      stage,
      done,
      ...(total !== undefined ? { total } : {}),
      ...(percent !== undefined ? { percent } : {}),
    });
  }

  private emit(event: MineEvent): void {
    this.channel.push(event);
  }
}

