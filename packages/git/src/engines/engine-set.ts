import { EngineUnavailableError, InvalidOptionError } from '../errors.js';
import type { EngineChoice, EngineName } from '../types.js';
import { createCliEngine } from './cli/engine.js';
import type { GitEngine } from './engine.js';

/** The operations `auto` chooses an engine for. */
export type Operation = 'history' | 'blame' | 'files' | 'branches' | 'stagedDiff';

/**
 * What `auto` picks when both engines work, from `pnpm bench` (see BENCHMARKS.md):
 * the git CLI wins on history with stats and on blame by a wide margin; for the small
 * one-shot operations it also wins, because the es-git engine pays for a worker thread.
 */
export const AUTO_CHOICE = {
  history: 'git',
  blame: 'git',
  files: 'git',
  branches: 'git',
  stagedDiff: 'git',
} as const satisfies Record<Operation, EngineName>;

export interface EngineSetOptions {
  /** Worker threads for the es-git engine. Default: CPU cores. */
  maxThreads?: number;
  /** Where the es-git worker module lives (the bundled CLI sets this). */
  esGitWorkerUrl?: URL;
}

/**
 * Owns one instance of each engine, created on first use. Share one set across many
 * repositories to share the es-git worker pool; `close()` releases it.
 */
export class EngineSet {
  private cli: GitEngine | undefined;
  private esGit: GitEngine | undefined;
  private gitAvailable: Promise<boolean> | undefined;

  constructor(private readonly options: EngineSetOptions = {}) {}

  async get(name: EngineName): Promise<GitEngine> {
    if (name === 'git') return (this.cli ??= createCliEngine());
    if (this.esGit) return this.esGit;
    // Loaded on demand: runs that only use the git CLI never touch the native addon's module graph.
    const { createEsGitEngine } = await import('./es-git/engine.js');
    return (this.esGit ??= createEsGitEngine({
      ...(this.options.maxThreads === undefined ? {} : { maxThreads: this.options.maxThreads }),
      ...(this.options.esGitWorkerUrl === undefined ? {} : { workerUrl: this.options.esGitWorkerUrl }),
    }));
  }

  /** Resolves an engine choice for one operation. `auto` falls back to es-git when git is missing. */
  async pick(choice: EngineChoice, operation: Operation): Promise<GitEngine> {
    if (choice === 'git' || choice === 'es-git') return this.get(choice);
    if (choice !== 'auto') throw new InvalidOptionError(`engine must be auto, git or es-git, got ${String(choice)}`);
    const preferred = AUTO_CHOICE[operation];
    if (preferred === 'git' && !(await this.hasGit())) return this.get('es-git');
    return this.get(preferred);
  }

  private hasGit(): Promise<boolean> {
    return (this.gitAvailable ??= createCliEngine()
      .open(process.cwd())
      .then(
        () => true,
        (error: unknown) => !(error instanceof EngineUnavailableError),
      ));
  }

  async close(): Promise<void> {
    await Promise.all([this.cli?.close(), this.esGit?.close()]);
  }
}
