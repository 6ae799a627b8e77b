import { EngineUnavailableError, InvalidOptionError } from '../errors.js';
import type { EngineChoice, EngineName } from '../types.js';
import { checkGitVersion, createCliEngine } from './cli/engine.js';
import type { GitEngine } from './engine.js';

/** The operations `auto` chooses an engine for. */
export type Operation = 'history' | 'blame' | 'files' | 'branches' | 'stagedDiff';

/** `es-git` when its worker pool is already running, else `git`. */
type WarmChoice = 'es-git-when-warm';

/**
 * What `auto` picks when both engines work, from `pnpm bench` (BENCHMARKS.md):
 * - history with stats and blame: git, 8.6x and 3.4x faster than es-git;
 * - branches and files: es-git answers a warm call in 0.6 ms against git's 4.5 ms spawn, but
 *   its first call pays ~180 ms of worker start-up against git's ~30 ms; so es-git only once
 *   this set's es-git engine is running (a long-lived SDK process), git for one-shot runs;
 * - the staged diff: git. es-git is 1.6 ms faster warm, but its hunk placement can differ from
 *   git's on ambiguous edits, and this patch is what the commit-message pipeline reads.
 */
export const AUTO_CHOICE = {
  history: 'git',
  blame: 'git',
  files: 'es-git-when-warm',
  branches: 'es-git-when-warm',
  stagedDiff: 'git',
} as const satisfies Record<Operation, EngineName | WarmChoice>;

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
  private gitVersion: Promise<void> | undefined;

  constructor(private readonly options: EngineSetOptions = {}) {}

  async get(name: EngineName): Promise<GitEngine> {
    if (name === 'git') return (this.cli ??= createCliEngine({ versionCheck: this.gitCheck() }));
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
    if (preferred === 'es-git-when-warm' && this.esGit) return this.esGit;
    if (!(await this.hasGit())) return this.get('es-git');
    return this.get('git');
  }

  /** One `git --version` per set, shared by auto's choice and the git engine. */
  private gitCheck(): Promise<void> {
    if (!this.gitVersion) {
      this.gitVersion = checkGitVersion();
      this.gitVersion.catch(() => undefined);
    }
    return this.gitVersion;
  }

  private async hasGit(): Promise<boolean> {
    return this.gitCheck().then(
      () => true,
      (error: unknown) => !(error instanceof EngineUnavailableError),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.cli?.close(), this.esGit?.close()]);
  }
}
