import { setMaxListeners } from 'node:events';
import { openDatasetWriter, type DatasetWriter, type RepositoryTableName } from '@gitfleet/dataset';
import { createSession } from '@gitfleet/session';
import { discover, type RepositoryJob } from './discover.js';
import { RepositoryError } from './errors.js';
import { EventChannel } from './event-channel.js';
import { toFailure } from './failure.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { RepositoryMiner } from './repository-miner.js';
import type { MineEvent, MineFailure, MineOptions, MineResult, MineRun, MineSource, MineStage, MineSummary, TableRows } from './types.js';

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
    const miner = new RepositoryMiner(options, { ...this.raw, session });
    try {
      writer = await openDatasetWriter(options.out, { signal });
      const seen = new Set<string>();
      const running: Promise<void>[] = [];
      for await (const found of discover(this.sources, { options, session, signal })) {
        if (found.kind === 'listed') this.emit({ type: 'listed', source: found.source, repositories: found.repositories, filtered: found.filtered });
        else if (found.kind === 'failure') running.push(this.fail(writer, found.repository, found.stage, found.error, Date.now()));
        else if (!seen.has(found.job.repository)) {
          seen.add(found.job.repository);
          running.push(this.mineOne(found.job, miner, writer));
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
      await miner.close();
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

  /** One repository through the miner; a failure is recorded in `errors`. */
  private async mineOne(job: RepositoryJob, miner: RepositoryMiner, writer: DatasetWriter): Promise<void> {
    const started = Date.now();
    const { repository } = job;
    const { signal } = this;
    this.emit({ type: 'queued', repository, source: job.source });
    try {
      const outcome = await miner.mine(job, writer, { signal, onProgress: (p) => this.emit({ type: 'progress', repository, ...p }) });
      if (outcome.status === 'unchanged') {
        this.finish({ repository, status: 'unchanged', durationMs: Date.now() - started });
        return;
      }
      for (const [table, n] of Object.entries(outcome.rows) as [RepositoryTableName, number][]) this.rows[table] = (this.rows[table] ?? 0) + n;
      this.finish({ repository, status: 'published', rows: outcome.rows, durationMs: Date.now() - started });
    } catch (error) {
      if (signal.aborted) this.finish({ repository, status: 'interrupted', durationMs: Date.now() - started });
      else if (error instanceof RepositoryError) await this.fail(writer, repository, error.stage, error.failure, started);
      else await this.fail(writer, repository, 'open', toFailure(error), started);
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
    const { repository, durationMs } = result;
    if (result.status === 'published') this.emit({ type: 'published', repository, rows: result.rows ?? {}, durationMs });
    else if (result.status === 'unchanged') this.emit({ type: 'unchanged', repository, durationMs });
    else if (result.status === 'failed') this.emit({ type: 'failed', repository, stage: result.stage!, error: result.error!, durationMs });
  }

  private emit(event: MineEvent): void {
    this.channel.push(event);
  }
}
