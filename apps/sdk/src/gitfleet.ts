import {
  generateCommitMessage,
  learnConventions,
  proposeSplit,
  type CommitMessageResult,
  type GenerateOptions,
  type LearnConventionsOptions,
  type LearnedConventions,
  type SplitOptions,
  type SplitProposal,
} from '@gitfleet/ai-diff';
import { openDataset, type Dataset, type OpenDatasetOptions } from '@gitfleet/dataset';
import { mine, type MineOptions, type MineRun, type MineSource } from '@gitfleet/mine';
import { writeReport, type ReportOptions, type ReportSource, type WriteReportResult } from '@gitfleet/report';
import { enqueueRun, startQueueWorker, type QueueRun, type QueueRunOptions, type QueueWorker, type QueueWorkerOptions } from '@gitfleet/queue';
import {
  analyzeRepository,
  createFleet,
  EngineSet,
  openRepository,
  summarizeBlame,
  type AnalysisReport,
  type AnalyzeOptions,
  type BlameChunk,
  type BlameFileResult,
  type BlameOptions,
  type BlameSummary,
  type Branch,
  type CallOptions,
  type Commit,
  type EngineChoice,
  type FilesOptions,
  type Fleet,
  type FleetOptions,
  type HistoryOptions,
  type Repository,
  type StagedDiff,
  type TreeFile,
} from '@gitfleet/git';
import type {
  Contributor,
  Issue,
  ListOptions,
  ProviderClient,
  PullRequest,
  Repository as ForgeRepository,
  StateListOptions,
} from '@gitfleet/providers';
import { createSession, listRepositories, parseRepositoryArgs, parseTarget, type GitTokenLookup, type Session } from '@gitfleet/session';
import { CredentialStore, type CredentialStoreOptions, type IdentityPool, type ProviderKind, type TokenSource } from '@gitfleet/tokens';
import { ClosedError, InvalidOptionError } from './errors.js';
import { resolveCache, type GitFleetOptions, type ResolvedCache } from './options.js';
import { Owned } from './owned.js';

/** Options of {@link GitFleet.repositories}. */
export interface RepositoriesOptions extends ListOptions {
  /** Fetch each repository in full (topics, license, counts...): one more request each. Default false. */
  details?: boolean;
  /** Stop after this many repositories; nothing past them is fetched. */
  limit?: number;
  /** Repositories fetched in full at once with `details` (default 8). */
  concurrency?: number;
}

/** Options of {@link GitFleet.openRepository}. */
export interface RepositoryOptions {
  /** Overrides the GitFleet's engine choice for this repository. */
  engine?: EngineChoice;
  signal?: AbortSignal;
}

/** What {@link GitFleet.fleet} clones: a URL, a local path, `github:owner/repo`, `gitlab:group/project`, or a provider repository. */
export type CloneSource = string | { cloneUrl: string };

/**
 * Options of {@link GitFleet.mine}: those of `@gitfleet/mine` without `session` and `engines`,
 * which are the GitFleet's; `cache` defaults to the GitFleet's.
 */
export type GitFleetMineOptions = Omit<MineOptions, 'session' | 'engines'>;

/**
 * Options of {@link GitFleet.enqueueMine}: those of `@gitfleet/queue`'s `enqueueRun` (the options of
 * `mine()` that shape the rows, plus `queue`, `attempts`, `backoffMs`), without the session, which is
 * made from this GitFleet's settings with its budgets in the queue's Redis.
 */
export type GitFleetQueueRunOptions = Omit<QueueRunOptions, 'session' | 'sessionOptions'>;

/** Options of {@link GitFleet.startWorker}: those of `@gitfleet/queue`'s `startQueueWorker` but the session. */
export type GitFleetQueueWorkerOptions = Omit<QueueWorkerOptions, 'session' | 'sessionOptions'>;

/**
 * Options of {@link GitFleet.commitMessage}: those of `generateCommitMessage`, the staged change of
 * `repo` (default `.`). `cache` (where learned conventions are kept) defaults to the GitFleet's.
 */
export type CommitMessageOptions = Omit<GenerateOptions, 'env'>;

/** Options of {@link GitFleet.proposeSplit}: those of `proposeSplit`, the staged change of `repo` (default `.`). */
export type SplitCommitOptions = Omit<SplitOptions, 'env'>;

/** Options of {@link GitFleet.conventions}: those of `learnConventions` but `repo`; `cache` defaults to the GitFleet's. */
export type ConventionsOptions = Omit<LearnConventionsOptions, 'repo'>;

/**
 * The gitfleet SDK: one object that owns what a run shares (the {@link Session}: token sources,
 * identity pools, provider clients and their HTTP cache; the {@link EngineSet}: git engines and
 * the es-git worker pool, shared by every repository it opens; the result cache) and hands out
 * everything else: repositories of a GitHub or GitLab target, fleets of clones, history and blame,
 * commit messages, tokens and credentials, mining runs and fleet datasets. `close()` releases all of it.
 *
 * Each method is a thin call into a package (`@gitfleet/git`, `@gitfleet/providers` through
 * `@gitfleet/session`, `@gitfleet/tokens`, `@gitfleet/ai-diff`, `@gitfleet/mine`,
 * `@gitfleet/dataset`), with the shared resources passed in.
 *
 * @example
 * ```js
 * import { createGitFleet } from '@gitfleet/sdk';
 *
 * const gf = createGitFleet();
 * try {
 *   for await (const repo of gf.repositories('github:nodejs', { limit: 5 })) console.log(repo.fullName);
 *   for await (const commit of gf.history('.', { maxCount: 3 })) console.log(commit.sha, commit.summary);
 * } finally {
 *   await gf.close();
 * }
 * ```
 */
export class GitFleet {
  /** Where tokens, API URLs, the credential store's key and the model settings are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Token sources, identity pools, provider clients and their HTTP cache. */
  readonly session: Session;
  /** The git engines and the es-git worker pool, shared by every repository this object opens. */
  readonly engines: EngineSet;
  /** The result and HTTP cache in force (directory and size limit), or `false`. */
  readonly cache: ResolvedCache;
  readonly #engine: EngineChoice;
  readonly #options: GitFleetOptions;
  readonly #owned = new Owned();
  /** Aborted by `close()`: stops clones in flight. */
  readonly #closing = new AbortController();
  /** Mining runs not over yet: `close()` waits for them before it stops the engines they use. */
  readonly #runs = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(options: GitFleetOptions = {}) {
    this.env = options.env ?? process.env;
    this.#options = options;
    this.cache = resolveCache(options.cache, this.env);
    this.#engine = options.engine ?? 'auto';
    if (!['auto', 'git', 'es-git'].includes(this.#engine)) throw new InvalidOptionError(`engine must be auto, git or es-git, got ${String(this.#engine)}`);
    this.session = createSession({
      env: this.env,
      cache: this.cache === false ? false : this.cache.dir,
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
      ...(options.onWait ? { onWait: options.onWait } : {}),
      ...(options.onNote ? { onNote: options.onNote } : {}),
    });
    this.engines = new EngineSet(options.engineOptions);
  }

  // --- Providers (GitHub, GitLab) --------------------------------------------------------------

  /**
   * The GitHub or GitLab client of this GitFleet: every request leases a token from the provider's
   * identity pool and goes through the shared HTTP cache. For what the shortcuts below leave out
   * (branches, members, the authenticated user, rate limits, credential checks).
   *
   * @example
   * ```js
   * const github = await gf.provider('github');
   * console.log((await github.getRateLimit()).resources.find((r) => r.resource === 'core'));
   * ```
   */
  provider(provider: ProviderKind): Promise<ProviderClient> {
    this.#assertOpen('provider');
    if (provider !== 'github' && provider !== 'gitlab') throw new InvalidOptionError(`provider must be github or gitlab, got ${String(provider)}`);
    return this.session.providerClient(provider);
  }

  /**
   * The repositories of a user, an org (private ones the token sees included) or a GitLab group
   * with its subgroups, as they are listed; with `details`, each fetched in full, in the same order.
   *
   * @param owner `github:<owner>` or `gitlab:<group>` (a web URL of github.com or gitlab.com works too)
   * @example
   * ```js
   * for await (const repo of gf.repositories('gitlab:gitlab-org/ci-cd', { details: true })) {
   *   console.log(repo.fullName, repo.defaultBranch, repo.cloneUrl);
   * }
   * ```
   */
  repositories(owner: string, options: RepositoriesOptions = {}): AsyncGenerator<ForgeRepository> {
    this.#assertOpen('repositories');
    const target = parseTarget(owner, 'owner');
    const { details, limit, concurrency, signal } = options;
    const client = this.session.providerClient(target.provider);
    return (async function* () {
      yield* listRepositories(await client, target.path, {
        ...(details === undefined ? {} : { details }),
        ...(limit === undefined ? {} : { limit }),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(signal ? { signal } : {}),
      });
    })();
  }

  /**
   * One repository in full (`GET /repos/{owner}/{repo}`, `GET /projects/{path}`).
   *
   * @param repo `github:<owner>/<repo>` or `gitlab:<group>/<project>`
   * @example
   * ```js
   * const node = await gf.repository('github:nodejs/node');
   * console.log(node.fullName, node.stars, node.defaultBranch);
   * ```
   */
  async repository(repo: string, options: CallOptions = {}): Promise<ForgeRepository> {
    const { client, path } = await this.#repoClient('repository', repo);
    return client.getRepository(path, options);
  }

  /**
   * Issues of a repository (GitHub's pull requests left out), page by page as you read.
   *
   * @param repo `github:<owner>/<repo>` or `gitlab:<group>/<project>`
   * @example
   * ```js
   * for await (const issue of gf.issues('github:nodejs/node', { state: 'all' })) console.log(issue.number, issue.title);
   * ```
   */
  issues(repo: string, options: StateListOptions = {}): AsyncGenerator<Issue> {
    return this.#list('issues', repo, (client, path) => client.listIssues(path, options));
  }

  /**
   * Pull requests (GitHub) or merge requests (GitLab) of a repository; `state: 'closed'` includes merged ones.
   *
   * @param repo `github:<owner>/<repo>` or `gitlab:<group>/<project>`
   * @example
   * ```js
   * for await (const mr of gf.pullRequests('gitlab:gitlab-org/ci-cd/runner', { state: 'all' })) console.log(mr.number, mr.state, mr.sourceBranch);
   * ```
   */
  pullRequests(repo: string, options: StateListOptions = {}): AsyncGenerator<PullRequest> {
    return this.#list('pullRequests', repo, (client, path) => client.listPullRequests(path, options));
  }

  /**
   * Contributors of a repository with their commit counts.
   *
   * @param repo `github:<owner>/<repo>` or `gitlab:<group>/<project>`
   * @example
   * ```js
   * for await (const c of gf.contributors('github:nodejs/node')) console.log(c.login ?? c.email, c.contributions);
   * ```
   */
  contributors(repo: string, options: ListOptions = {}): AsyncGenerator<Contributor> {
    return this.#list('contributors', repo, (client, path) => client.listContributors(path, options));
  }

  // --- Fleets of clones ------------------------------------------------------------------------

  /**
   * A fleet of clones (`@gitfleet/git` `createFleet`) with this GitFleet's git tokens per host
   * (`GITFLEET_GIT_TOKEN(S)`, then the credential store's git tokens): each token goes only to its
   * own host. `cloneAll()` clones or refreshes every repository, with `progress`/`state` events and
   * `snapshot()`; a repository that fails carries its error and the rest complete. `close()`
   * aborts the clones still running and removes temp-dir clones.
   *
   * @param repositories URLs, local paths, `github:owner/repo`, `gitlab:group/project`, or
   *   provider repositories (anything with a `cloneUrl`, such as {@link GitFleet.repositories} yields)
   * @example
   * ```js
   * const fleet = await gf.fleet(['https://github.com/nodejs/undici.git'], { destination: 'clones', bare: true });
   * fleet.on('progress', (task) => console.error(task.name, task.progress.phase, task.progress.percent));
   * for (const result of await fleet.cloneAll()) console.log(result.url, result.status, result.path ?? result.error?.message);
   * ```
   */
  async fleet(repositories: Iterable<CloneSource> | AsyncIterable<CloneSource>, options: FleetOptions = {}): Promise<Fleet> {
    this.#assertOpen('fleet');
    const urls: string[] = [];
    for await (const source of repositories) urls.push(this.#cloneUrl(source));
    const tokens = options.tokens ?? (await this.session.gitTokens());
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    this.#assertOpen('fleet');
    return this.#owned.add(createFleet(urls, { env: this.env, ...options, tokens, signal }));
  }

  // --- One repository ---------------------------------------------------------------------------

  /**
   * Opens a local repository (a work tree or a bare clone) on the shared engines and cache. Close
   * it when done (`repo.close()` flushes its cache writes; the engines stay up for the next one);
   * `close()` of the GitFleet closes any still open.
   *
   * @example
   * ```js
   * const repo = await gf.openRepository('.');
   * try {
   *   console.log(await repo.capabilities('history'));
   *   for await (const commit of repo.history({ maxCount: 5, files: true })) console.log(commit.sha, commit.files?.length);
   * } finally {
   *   await repo.close();
   * }
   * ```
   */
  async openRepository(path: string, options: RepositoryOptions = {}): Promise<Repository> {
    this.#assertOpen('openRepository');
    const repo = await openRepository(path, {
      engine: options.engine ?? this.#engine,
      engines: this.engines,
      cache: this.#cacheOption(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return this.#owned.add(repo);
  }

  /**
   * Commits of a repository as `git log` lists them, streamed: with stats against the first parent
   * (`--numstat --diff-merges=first-parent`), per-file changes with `files: true`, filters
   * (`rev`, `all`, `since`, `until`, `maxCount`, `author`, `paths`) and `.mailmap`.
   *
   * @example
   * ```js
   * for await (const c of gf.history('.', { since: '2024-01-01', files: true })) console.log(c.sha, c.author.email, c.additions, c.deletions);
   * ```
   */
  history(path: string, options: HistoryOptions = {}): AsyncGenerator<Commit> {
    return this.#withRepository('history', path, (repo) => repo.history(options));
  }

  /**
   * Blames files at HEAD (or `rev`) in parallel, in path order; each result holds the file's
   * lines equal to `git blame --line-porcelain`, or its `error` (missing, binary, too large) while
   * the other files carry on. `paths` takes files, directories and globs (default: every file).
   *
   * @example
   * ```js
   * for await (const file of gf.blame('.', { paths: ['*.md'] })) console.log(file.path, file.error?.code ?? file.lines.length);
   * ```
   */
  blame(path: string, options: BlameOptions = {}): AsyncGenerator<BlameFileResult> {
    return this.#withRepository('blame', path, (repo) => repo.blame(options));
  }

  /**
   * Like {@link GitFleet.blame}, with each file's lines in chunks as git produces them: memory
   * stays bounded however big a file is. A file's last chunk has `done: true`.
   *
   * @example
   * ```js
   * let lines = 0;
   * for await (const chunk of gf.blameChunks('.', { paths: ['data/huge.csv'] })) lines += chunk.lines.length;
   * ```
   */
  blameChunks(path: string, options: BlameOptions = {}): AsyncGenerator<BlameChunk> {
    return this.#withRepository('blameChunks', path, (repo) => repo.blameChunks(options));
  }

  /**
   * Surviving lines per author, per file and overall (`summarizeBlame` over {@link GitFleet.blameChunks}).
   *
   * @example
   * ```js
   * const { authors } = await gf.blameSummary('.');
   * console.log(authors.slice(0, 3));
   * ```
   */
  blameSummary(path: string, options: BlameOptions = {}): Promise<BlameSummary> {
    return this.#onRepository('blameSummary', path, options.signal, (repo) => summarizeBlame(repo.blameChunks(options)));
  }

  /**
   * Local and remote branches: name, ref, kind, tip commit, head flag, upstream.
   *
   * @example
   * ```js
   * for (const b of await gf.branches('.')) console.log(b.isHead ? '*' : ' ', b.name, b.commit);
   * ```
   */
  branches(path: string, options: CallOptions = {}): Promise<Branch[]> {
    return this.#onRepository('branches', path, options.signal, (repo) => repo.branches(options));
  }

  /**
   * Tracked files at HEAD (or `rev`) matching picomatch globs (all without globs).
   *
   * @example
   * ```js
   * console.log((await gf.files('.', ['*.md'])).map((f) => f.path));
   * ```
   */
  files(path: string, globs?: string[], options: FilesOptions = {}): Promise<TreeFile[]> {
    return this.#onRepository('files', path, options.signal, (repo) => repo.files(globs, options));
  }

  /**
   * The staged change of a work tree: files with status, paths, binary flag, +/- and the byte-exact patch.
   *
   * @example
   * ```js
   * const staged = await gf.stagedDiff('.');
   * process.stdout.write(Buffer.concat(staged.files.map((f) => f.patch)));
   * ```
   */
  stagedDiff(path = '.', options: CallOptions = {}): Promise<StagedDiff> {
    return this.#onRepository('stagedDiff', path, options.signal, (repo) => repo.stagedDiff(options));
  }

  /**
   * The `gitfleet analyze` report of one repository: commits and span, authors (commits, +/-,
   * surviving lines), ownership, most-churned files followed through renames.
   *
   * @example
   * ```js
   * const report = await gf.analyze('.', { topFiles: 5 });
   * console.log(report.commits.count, report.authors[0]);
   * ```
   */
  analyze(path: string, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
    return this.#onRepository('analyze', path, options.signal, (repo) => analyzeRepository(repo, options));
  }

  // --- Commit messages --------------------------------------------------------------------------

  /**
   * A commit message for the staged change of `repo` (default `.`), or for `diff` / `diffFile`:
   * one model call for a small diff, map/reduce for a big one, a local message when no model is
   * configured (`GITFLEET_AI_PROVIDER`, `_BASE_URL`, `_MODEL`, `_API_KEY` in `env`), the model is
   * down or the deadline passes. Lock, generated, vendored and binary files are never sent.
   *
   * How it reads: `style` (`plain`, `conventional`, `gitmoji`; `conventional: true` is short for
   * the second), `language` (`fr`, `pt-BR`...), `conventions: true` (the repository's own,
   * learned from its history and cached per HEAD: style, scopes, subject case, the branch's
   * ticket id), `promptFile` (a custom template), `exclude` (globs whose content stays out, on
   * top of `.gitfleetignore` and the user's `ignore` file).
   *
   * @example
   * ```js
   * const { message, fallback } = await gf.commitMessage({ conventional: true });
   * console.log(message, fallback?.reason ?? '');
   *
   * const fr = await gf.commitMessage({ repo: '.', conventions: true, style: 'gitmoji', language: 'fr', exclude: ['fixtures/**'] });
   * console.log(fr.style, fr.subject);
   * ```
   */
  commitMessage(options: CommitMessageOptions = {}): Promise<CommitMessageResult> {
    this.#assertOpen('commitMessage');
    const source = options.diff === undefined && options.diffFile === undefined && options.repo === undefined ? { repo: '.' } : {};
    return generateCommitMessage({ ...source, cache: this.#cacheOption(), ...options, env: this.env });
  }

  /**
   * Proposes splitting the staged change of `repo` (default `.`) into commits by concern: the
   * model groups the files (each in exactly one group, checked; asked once more, else grouped
   * locally) and writes each group's message. It only proposes: making the commits is the
   * caller's (`git commit` per group, in order), as `gitfleet commit --split` does. Takes the
   * options of {@link GitFleet.commitMessage} but `candidates`; bodies are on by default.
   *
   * @example
   * ```js
   * const { groups, fallback } = await gf.proposeSplit({ repo: '.', conventions: true });
   * for (const group of groups) console.log(group.subject, group.files);
   * ```
   */
  proposeSplit(options: SplitCommitOptions = {}): Promise<SplitProposal> {
    this.#assertOpen('proposeSplit');
    const source = options.diff === undefined && options.diffFile === undefined && options.repo === undefined ? { repo: '.' } : {};
    return proposeSplit({ ...source, cache: this.#cacheOption(), ...options, env: this.env });
  }

  /**
   * The commit conventions of the repository at `path`, learned from its recent history (Conventional
   * Commits, gitmoji or plain; types, scopes and the paths they cover; subject case and length;
   * ticket ids, and the current branch's). Cached per repository and HEAD in the GitFleet's cache.
   * Pass the result as `conventions` to {@link GitFleet.commitMessage} to learn once for many messages.
   *
   * @example
   * ```js
   * const conventions = await gf.conventions('.');
   * console.log(conventions.style, conventions.scopes.slice(0, 3), conventions.branchTicket);
   * ```
   */
  conventions(path: string, options: ConventionsOptions = {}): Promise<LearnedConventions> {
    this.#assertOpen('conventions');
    return learnConventions({ cache: this.#cacheOption(), ...options, repo: path });
  }

  // --- Tokens and credentials -------------------------------------------------------------------

  /**
   * Every API token this GitFleet uses: the credential store's (when its key is in `env`), then the environment's.
   *
   * @example
   * ```js
   * console.log((await gf.tokenSources()).map((s) => `${s.provider} ${s.label ?? ''}`)); // never print s.token
   * ```
   */
  tokenSources(): Promise<TokenSource[]> {
    this.#assertOpen('tokenSources');
    return this.session.tokenSources();
  }

  /**
   * The identity pool of a provider's tokens (undefined without any: requests are anonymous). It
   * hands out tokens by identity and remaining budget, waits for a reset when all are spent, and
   * drops a token the API rejects.
   *
   * @example
   * ```js
   * const pool = await gf.tokenPool('github');
   * console.log(pool ? await pool.snapshot() : 'no GitHub token');
   * ```
   */
  tokenPool(provider: ProviderKind): Promise<IdentityPool | undefined> {
    this.#assertOpen('tokenPool');
    return this.session.pool(provider);
  }

  /**
   * The encrypted credential store (AES-256-GCM; key from `GITFLEET_CREDENTIALS_KEY` or
   * `GITFLEET_CREDENTIALS_PASSPHRASE` in `env`, file `GITFLEET_CREDENTIALS_FILE` or the user config
   * dir), or another with `options`. Tokens added here are used by the next GitFleet.
   *
   * @example
   * ```js
   * const store = gf.credentials();
   * await store.add({ provider: 'github', token: process.env.GITHUB_TOKEN, label: 'work' });
   * console.log(await store.list()); // masked: never the token
   * ```
   */
  credentials(options: CredentialStoreOptions = {}): CredentialStore {
    this.#assertOpen('credentials');
    return new CredentialStore({ env: this.env, ...options });
  }

  /**
   * Git tokens by host for cloning, as {@link GitFleet.fleet} uses them.
   *
   * @example
   * ```js
   * const tokens = await gf.gitTokens();
   * console.log(tokens('github.com') === undefined ? 'anonymous clones from github.com' : 'a token for github.com');
   * ```
   */
  gitTokens(): Promise<GitTokenLookup> {
    this.#assertOpen('gitTokens');
    return this.session.gitTokens();
  }

  // --- Datasets ----------------------------------------------------------------------------------

  /**
   * Opens a fleet dataset (what `gitfleet mine` writes) for queries: SQL over a view per table,
   * rows streamed or as Arrow, named queries, export to Parquet, CSV or NDJSON. Closed by
   * `close()` if still open.
   *
   * @example
   * ```js
   * const dataset = await gf.openDataset('data');
   * console.log(await dataset.query('SELECT repository, count(*) AS commits FROM commits GROUP BY 1'));
   * console.log(await dataset.named('top-authors', { limit: 5 }));
   * const table = await dataset.arrow('SELECT * FROM authors');
   * await dataset.export('commits', 'commits.parquet');
   * ```
   */
  async openDataset(dir: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
    this.#assertOpen('openDataset');
    const dataset = await openDataset(dir, options);
    if (this.#closed) {
      await dataset.close();
      throw new ClosedError('openDataset');
    }
    return this.#owned.add(dataset);
  }

  /**
   * Mines repositories into a dataset (`@gitfleet/mine`, the pipeline behind `gitfleet mine`) with
   * this GitFleet's session (tokens, pools, provider clients, HTTP cache), engines and cache.
   * Sources are `github:<owner>`, `gitlab:<group>` (subgroups included), `github:<owner>/<repo>`,
   * clone URLs, local repository paths, or lines of `gitfleet repos --format ndjson`. Each
   * repository is listed, cloned or refreshed (bare, into `clones`, default `<out>/.clones`),
   * then its metadata, commits with per-file changes, branches and blame ownership at HEAD are
   * published all at once; one that fails is recorded in the `errors` table and the rest go on;
   * a rerun mines only what changed. Iterate the run for progress events, await `summary` for the
   * end; `signal` (or `close()`) stops it, keeping what was published.
   *
   * @example
   * ```js
   * const run = gf.mine(['github:nodejs', '.'], { out: 'data', signal: AbortSignal.timeout(3_600_000) });
   * for await (const event of run) if (event.type === 'published' || event.type === 'failed') console.error(event.type, event.repository);
   * const summary = await run.summary;
   * console.log(`${summary.published} published, ${summary.unchanged} unchanged, ${summary.failed} failed`);
   * const dataset = await gf.openDataset(summary.out);
   * console.log(await dataset.named('top-authors'));
   * ```
   */
  mine(sources: readonly MineSource[], options: GitFleetMineOptions): MineRun {
    this.#assertOpen('mine');
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    const run = mine(sources, { cache: this.#cacheOption(), ...options, session: this.session, engines: this.engines, signal });
    const settled = run.summary.then(
      () => undefined,
      () => undefined,
    );
    this.#runs.add(settled);
    void settled.then(() => this.#runs.delete(settled));
    return run;
  }

  /**
   * Writes the HTML report of a dataset (`@gitfleet/report`, what `gitfleet report` writes): one
   * self-contained file with commits per month, top authors, ownership and bus factor, churn
   * hotspots, an activity heatmap, languages and a drill-down to each repository; it opens from
   * `file://` and loads nothing. `source` is a dataset directory or a dataset opened with
   * {@link GitFleet.openDataset}. The file appears whole or not at all. `onProgress` hears
   * `('collect', { done, total })` as the dataset's queries finish, then `('write', { done })` in bytes.
   *
   * @example
   * ```js
   * const { file, bytes, repositories } = await gf.report('data', 'report.html', { title: 'Our fleet' });
   * console.log(`${file}: ${repositories} repositories, ${bytes} bytes`);
   * ```
   */
  async report(source: ReportSource, file: string, options: ReportOptions = {}): Promise<WriteReportResult> {
    this.#assertOpen('report');
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return writeReport(source, file, { ...options, signal });
  }

  /**
   * Mines beyond one machine (`@gitfleet/queue`, behind `gitfleet mine --queue`): lists the fleet and
   * enqueues it in Redis as a BullMQ flow, one job per repository, for workers ({@link GitFleet.startWorker}
   * or `gitfleet worker`) that write into `out`, which each must reach at the same path. A worker
   * finalizes the dataset when every repository is done. One run per `out` at a time
   * (`GITFLEET_QUEUE_RUN_ACTIVE`). The listing's session is made from this GitFleet's settings
   * (environment, cache) with its rate budgets in the queue's Redis, shared with the workers.
   * Closed by `close()` (the run goes on in the workers).
   *
   * @example
   * ```js
   * const run = await gf.enqueueMine(['github:acme'], { out: '/shared/data', queue: 'redis://redis:6379' });
   * const watch = run.watch();
   * for await (const event of watch) if (event.type === 'published') console.log(event.repository);
   * console.log(await watch.summary);
   * await run.close();
   * ```
   */
  async enqueueMine(sources: readonly MineSource[], options: GitFleetQueueRunOptions): Promise<QueueRun> {
    this.#assertOpen('enqueueMine');
    const run = await enqueueRun(sources, { ...options, sessionOptions: this.#sessionOptions() });
    if (this.#closed) {
      await run.close();
      throw new ClosedError('enqueueMine');
    }
    return this.#owned.add(run);
  }

  /**
   * Starts a queue worker in this process (`@gitfleet/queue`'s `startQueueWorker`, what
   * `gitfleet worker` runs): it mines the repository jobs of `enqueueMine` runs until closed, with
   * tokens from this GitFleet's environment and credential store, its rate budgets in Redis shared
   * with every other worker. `worker.close()` (or this GitFleet's `close()`) finishes the jobs
   * under way, or hands them back to the queue after `graceMs`.
   *
   * @example
   * ```js
   * const worker = gf.startWorker({ queue: 'redis://redis:6379', concurrency: 2 });
   * process.once('SIGTERM', () => void worker.close());
   * ```
   */
  startWorker(options: GitFleetQueueWorkerOptions): QueueWorker {
    this.#assertOpen('startWorker');
    return this.#owned.add(startQueueWorker({ cache: this.#cacheOption(), ...options, sessionOptions: this.#sessionOptions() }));
  }

  /** The settings of this GitFleet's session, for sessions made elsewhere (queue coordinators and workers). */
  #sessionOptions(): NonNullable<QueueRunOptions['sessionOptions']> {
    const o = this.#options;
    return {
      env: this.env,
      cache: this.cache === false ? false : this.cache.dir,
      ...(o.userAgent === undefined ? {} : { userAgent: o.userAgent }),
      ...(o.onWait ? { onWait: o.onWait } : {}),
      ...(o.onNote ? { onNote: o.onNote } : {}),
    };
  }

  // --- Lifetime ----------------------------------------------------------------------------------

  /** Whether {@link GitFleet.close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Releases everything this GitFleet owns: stops mining runs (waiting for them to wind down;
   * what they published stays), aborts clones in flight and removes temp-dir clones, closes the
   * datasets and repositories it opened, stops the engines and the es-git workers.
   * Idempotent; every other call throws `GITFLEET_SDK_CLOSED` afterwards. (`@gitfleet/ai-diff`'s
   * worker pool is process-wide: its idle workers exit on their own and never keep the process alive.)
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new ClosedError('close'));
      await Promise.all(this.#runs);
      await this.#owned.disposeAll();
      await this.engines.close();
    })();
    return this.#closed;
  }

  /** `close()`, for `await using` (Node 22+ or a transpiler; Node 20 lacks the syntax). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #cacheOption(): false | { dir: string; maxSize: number } {
    return this.cache === false ? false : { ...this.cache };
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new ClosedError(what);
  }

  async #repoClient(what: string, repo: string): Promise<{ client: ProviderClient; path: string }> {
    this.#assertOpen(what);
    const target = parseTarget(repo, 'repo');
    return { client: await this.session.providerClient(target.provider), path: target.path };
  }

  #list<T>(what: string, repo: string, list: (client: ProviderClient, path: string) => AsyncIterable<T>): AsyncGenerator<T> {
    this.#assertOpen(what);
    const target = parseTarget(repo, 'repo');
    const client = this.session.providerClient(target.provider);
    return (async function* () {
      yield* list(await client, target.path);
    })();
  }

  #cloneUrl(source: CloneSource): string {
    if (typeof source === 'string') {
      const [entry] = parseRepositoryArgs([source], this.env);
      return (entry as { url: string }).url;
    }
    if (source !== null && typeof source === 'object' && typeof source.cloneUrl === 'string' && source.cloneUrl !== '') return source.cloneUrl;
    throw new InvalidOptionError(`fleet: expected a URL, a path, github:owner/repo, gitlab:group/project or an object with a cloneUrl, got ${preview(source)}`);
  }

  /** A generator over an operation of a repository opened for it alone (closed when the generator ends). */
  #withRepository<T>(what: string, path: string, run: (repo: Repository) => AsyncIterable<T>): AsyncGenerator<T> {
    this.#assertOpen(what);
    const open = (): Promise<Repository> => this.openRepository(path);
    return (async function* () {
      const repo = await open();
      try {
        yield* run(repo);
      } finally {
        await repo.close();
      }
    })();
  }

  async #onRepository<T>(what: string, path: string, signal: AbortSignal | undefined, run: (repo: Repository) => Promise<T>): Promise<T> {
    this.#assertOpen(what);
    const repo = await this.openRepository(path, signal ? { signal } : {});
    try {
      return await run(repo);
    } finally {
      await repo.close();
    }
  }
}

function preview(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value)?.slice(0, 80) ?? typeof value;
}

/**
 * A {@link GitFleet}: the SDK's entry point. Call `close()` when done (in a `finally`).
 *
 * @example
 * ```js
 * import { createGitFleet } from '@gitfleet/sdk';
 *
 * const gf = createGitFleet({ cache: '.gitfleet-cache', onNote: (text) => console.error(`note: ${text}`) });
 * try {
 *   console.log(await gf.analyze('.'));
 * } finally {
 *   await gf.close();
 * }
 * ```
 */
export function createGitFleet(options: GitFleetOptions = {}): GitFleet {
  return new GitFleet(options);
}
