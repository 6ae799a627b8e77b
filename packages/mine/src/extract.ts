import { createHash } from 'node:crypto';
import type { DatasetWriter, PublishResult, RepositoryTransaction, RowInput } from '@gitfleet/dataset';
import { collect } from '@gitfleet/providers';
import type { Session } from '@gitfleet/session';
import type { RepositoryJob } from './discover.js';
import type { GitBackend } from './git-host.js';
import type { RepositoryFacts } from './git-work.js';
import type { ResolvedOptions } from './options.js';
import { contributorRow, issueRow, pullRequestRow } from './rows.js';
import type { MineProgressStage, MineStage } from './types.js';

/** Ownership rows handed to the transaction at once. */
const BATCH = 2000;

/** Provider data of one repository, fetched before the fingerprint is known (it is part of it). */
export interface ProviderRows {
  pull_requests?: RowInput<'pull_requests'>[];
  issues?: RowInput<'issues'>[];
  contributors?: RowInput<'contributors'>[];
  login_hints?: RowInput<'login_hints'>[];
}

/** What a repository is, read before deciding whether it changed. */
export interface Prepared {
  facts: RepositoryFacts;
  defaultBranch: string | null;
  /** The commit ownership is computed at (the default branch's tip, else HEAD); null when empty. */
  head: string | null;
  provider: ProviderRows;
  fingerprint: Record<string, string>;
}

export interface ExtractContext {
  writer: DatasetWriter;
  options: ResolvedOptions;
  session: Session;
  git: GitBackend;
  signal: AbortSignal;
  /** The stage under way, for the failure report. */
  stage: (stage: MineStage) => void;
  progress: (stage: MineProgressStage, done: number, total?: number, percent?: number) => void;
}

/**
 * From the repository's facts (every `refs/heads/*`, HEAD) and, with `with`, the provider data:
 * the default branch, the commit to blame at, and the fingerprint a rerun compares, which also
 * holds the options that shape the rows.
 */
export async function prepare(job: RepositoryJob, facts: RepositoryFacts, ctx: ExtractContext): Promise<Prepared> {
  const { options } = ctx;
  const { branches } = facts;
  const headBranch = branches.find((b) => b.isHead)?.name ?? null;
  const wanted = job.defaultBranch ?? null;
  const defaultBranch = wanted !== null && branches.some((b) => b.name === wanted) ? wanted : headBranch;
  const head = defaultBranch !== null ? branches.find((b) => b.name === defaultBranch)!.commit : facts.head;
  const fingerprint: Record<string, string> = {};
  for (const b of branches) fingerprint[`refs/heads/${b.name}`] = b.commit;
  fingerprint['HEAD'] = defaultBranch !== null ? `ref: refs/heads/${defaultBranch}` : (head ?? 'unborn');
  fingerprint['gitfleet:options'] = options.shape;
  if (facts.shallow !== null) fingerprint['gitfleet:shallow'] = facts.shallow;
  // git reads a work tree's .mailmap from disk (a bare repository's from HEAD, already in the refs).
  if (facts.mailmap !== null) fingerprint['gitfleet:mailmap'] = facts.mailmap;
  const provider = await providerRows(job, ctx);
  if (options.with.length > 0) fingerprint['gitfleet:provider'] = createHash('sha256').update(JSON.stringify(provider)).digest('hex').slice(0, 16);
  return { facts, defaultBranch, head, provider, fingerprint };
}

/**
 * Mines one repository into one transaction: history and blame run side by side (in the git
 * helper), each handing batches of rows to the transaction, which stages them on disk; the commit
 * publishes every table at once. Any failure aborts the transaction, so nothing of this repository
 * is published.
 */
export async function extract(job: RepositoryJob, prepared: Prepared, ctx: ExtractContext): Promise<PublishResult> {
  const { writer, options } = ctx;
  const { facts } = prepared;
  // One part failing stops the other at once.
  const local = new AbortController();
  const signal = AbortSignal.any([ctx.signal, local.signal]);
  const tx = await writer.begin(job.repository, { fingerprint: prepared.fingerprint, signal });
  try {
    await tx.write('repositories', [
      {
        ...job.meta,
        default_branch: prepared.defaultBranch,
        head_sha: prepared.head,
        is_empty: prepared.head === null,
        is_shallow: facts.shallow !== null,
      },
    ]);
    const parts: Promise<void>[] = [];
    const guard = (stage: MineStage, part: Promise<void>): Promise<void> =>
      part.catch((error: unknown) => {
        if (!local.signal.aborted) {
          ctx.stage(stage);
          local.abort(error);
        }
        throw error;
      });
    if (facts.branches.length > 0) parts.push(guard('history', history(facts, tx, ctx, signal)));
    if (options.blame && prepared.head !== null) parts.push(guard('blame', blame(facts, prepared.head, tx, ctx, signal)));
    const settled = await Promise.allSettled(parts);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw local.signal.aborted && !ctx.signal.aborted ? local.signal.reason : failed.reason;
    await tx.write(
      'branches',
      facts.branches.map((b) => ({ name: b.name, sha: b.commit, is_default: b.name === prepared.defaultBranch })),
    );
    for (const [table, rows] of Object.entries(prepared.provider) as [keyof ProviderRows, RowInput<keyof ProviderRows>[]][]) {
      await tx.write(table, rows as never, { signal });
    }
    ctx.stage('write');
    ctx.progress('write', 0);
    const result = await tx.commit({ signal });
    ctx.progress('write', 1, 1);
    return result;
  } finally {
    await tx.abort();
  }
}

/** Every commit reachable from the branches (mailmapped), with its per-file changes. */
async function history(facts: RepositoryFacts, tx: RepositoryTransaction, ctx: ExtractContext, signal: AbortSignal): Promise<void> {
  const { options } = ctx;
  ctx.progress('history', 0);
  const batches = ctx.git.history(
    {
      path: facts.root,
      revs: facts.branches.map((b) => `refs/heads/${b.name}`),
      since: options.since,
      until: options.until,
      maxFileSize: options.maxFileSize,
      excludePaths: options.excludePaths,
    },
    signal,
    (done) => ctx.progress('history', done),
  );
  let commits = 0;
  for await (const batch of batches) {
    commits += batch.commits.length;
    await tx.write('commits', batch.commits, { signal });
    if (batch.files.length > 0) await tx.write('commit_files', batch.files, { signal });
  }
  // The stage's last event, which throttling never drops: the count is known only now.
  ctx.progress('history', commits, commits);
}

/**
 * Ownership at `head` into `ownership` (and `blame_lines`): one walk over history with git blame's
 * attribution (`repo.ownership()`), or git blame of every file when lines are kept. Both apply the
 * same .mailmap as the history (a work tree's file, or HEAD's in a bare repository), so all name
 * the same identities.
 */
async function blame(facts: RepositoryFacts, head: string, tx: RepositoryTransaction, ctx: ExtractContext, signal: AbortSignal): Promise<void> {
  const { options } = ctx;
  ctx.progress('blame', 0);
  const rows = ctx.git.blame(
    {
      path: facts.root,
      rev: head,
      exclude: options.excludePaths,
      concurrency: options.blameConcurrency,
      maxFileSize: options.maxFileSize,
      lines: options.blameLines,
    },
    signal,
    (done, total, percent) => ctx.progress('blame', done, total, percent),
  );
  let ownership: RowInput<'ownership'>[] = [];
  for await (const out of rows) {
    if (out.type === 'lines') {
      await tx.write('blame_lines', out.rows, { signal });
      continue;
    }
    for (const row of out.owners) ownership.push(row);
    if (ownership.length >= BATCH) {
      await tx.write('ownership', ownership, { signal });
      ownership = [];
    }
  }
  if (ownership.length > 0) await tx.write('ownership', ownership, { signal });
}

/** With `with`: the provider's pull requests, issues and contributors of a provider repository. */
async function providerRows(job: RepositoryJob, ctx: ExtractContext): Promise<ProviderRows> {
  const wanted = ctx.options.with;
  const rows: ProviderRows = {};
  if (wanted.length === 0 || job.provider === undefined || job.fullName === undefined) return rows;
  ctx.stage('provider');
  ctx.progress('provider', 0, wanted.length);
  const client = await ctx.session.providerClient(job.provider);
  const call = { signal: ctx.signal };
  let done = 0;
  if (wanted.includes('prs')) {
    rows.pull_requests = (await collect(client.listPullRequests(job.fullName, { ...call, state: 'all' }))).map(pullRequestRow);
    ctx.progress('provider', ++done, wanted.length);
  }
  if (wanted.includes('issues')) {
    rows.issues = (await collect(client.listIssues(job.fullName, { ...call, state: 'all' }))).map(issueRow);
    ctx.progress('provider', ++done, wanted.length);
  }
  if (wanted.includes('contributors')) {
    const contributors = await collect(client.listContributors(job.fullName, call));
    rows.contributors = contributors.flatMap((c) => contributorRow(c) ?? []);
    // Where the provider pairs a login with an email, authors merge through it.
    rows.login_hints = contributors.flatMap((c) => (c.login && c.email ? [{ email: c.email, login: c.login }] : []));
    ctx.progress('provider', ++done, wanted.length);
  }
  return rows;
}
