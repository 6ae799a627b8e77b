import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetWriter, PublishResult, RepositoryTransaction, RowInput } from '@gitfleet/dataset';
import type { Branch, Repository } from '@gitfleet/git';
import { collect } from '@gitfleet/providers';
import type { Session } from '@gitfleet/session';
import picomatch from 'picomatch';
import type { RepositoryJob } from './discover.js';
import type { ResolvedOptions } from './options.js';
import { commitFileRow, commitRow, contributorRow, issueRow, pullRequestRow } from './rows.js';
import type { MineProgressStage, MineStage } from './types.js';

/** Rows staged per table before they are handed to the transaction. */
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
  branches: Branch[];
  defaultBranch: string | null;
  /** The commit ownership is computed at (the default branch's tip, else HEAD); null when empty. */
  head: string | null;
  shallow: boolean;
  provider: ProviderRows;
  fingerprint: Record<string, string>;
}

export interface ExtractContext {
  writer: DatasetWriter;
  options: ResolvedOptions;
  session: Session;
  signal: AbortSignal;
  /** The stage under way, for the failure report. */
  stage: (stage: MineStage) => void;
  progress: (stage: MineProgressStage, done: number, total?: number) => void;
}

/**
 * Reads the refs (every `refs/heads/*`), the default branch and, with `with`, the provider data:
 * together with the options that shape the rows they are the fingerprint a rerun compares.
 */
export async function prepare(job: RepositoryJob, repo: Repository, ctx: ExtractContext): Promise<Prepared> {
  const { signal, options } = ctx;
  ctx.stage('open');
  const branches = (await repo.branches({ signal })).filter((b) => b.kind === 'local');
  const headBranch = branches.find((b) => b.isHead)?.name ?? null;
  const wanted = job.defaultBranch ?? null;
  const defaultBranch = wanted !== null && branches.some((b) => b.name === wanted) ? wanted : headBranch;
  const head = defaultBranch !== null ? branches.find((b) => b.name === defaultBranch)!.commit : await repo.resolve('HEAD', { signal }).catch(() => null);
  const shallow = existsSync(join(repo.gitDir, 'shallow'));
  const fingerprint: Record<string, string> = {};
  for (const b of branches) fingerprint[`refs/heads/${b.name}`] = b.commit;
  fingerprint['HEAD'] = defaultBranch !== null ? `ref: refs/heads/${defaultBranch}` : (head ?? 'unborn');
  fingerprint['gitfleet:options'] = options.shape;
  if (shallow) fingerprint['gitfleet:shallow'] = await digestFile(join(repo.gitDir, 'shallow'));
  // git reads a work tree's .mailmap from disk (a bare repository's from HEAD, already in the refs).
  if (!repo.bare) fingerprint['gitfleet:mailmap'] = await digestFile(join(repo.root, '.mailmap'));
  const provider = await providerRows(job, ctx);
  if (options.with.length > 0) fingerprint['gitfleet:provider'] = digest(JSON.stringify(provider));
  return { branches, defaultBranch, head, shallow, provider, fingerprint };
}

/**
 * Mines one repository into one transaction: history and blame run side by side, each handing
 * batches of rows to the transaction, which stages them on disk; the commit publishes every table
 * at once. Any failure aborts the transaction, so nothing of this repository is published.
 */
export async function extract(job: RepositoryJob, repo: Repository, prepared: Prepared, ctx: ExtractContext): Promise<PublishResult> {
  const { writer, options } = ctx;
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
        is_shallow: prepared.shallow,
      },
    ]);
    const excluded = options.excludePaths.length ? picomatch(options.excludePaths, { dot: true }) : undefined;
    const parts: Promise<void>[] = [];
    const guard = (stage: MineStage, part: Promise<void>): Promise<void> =>
      part.catch((error: unknown) => {
        if (!local.signal.aborted) {
          ctx.stage(stage);
          local.abort(error);
        }
        throw error;
      });
    if (prepared.branches.length > 0) parts.push(guard('history', history(repo, prepared, tx, excluded, ctx, signal)));
    if (options.blame && prepared.head !== null) parts.push(guard('blame', blame(repo, prepared.head, tx, ctx, signal)));
    const settled = await Promise.allSettled(parts);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw local.signal.aborted && !ctx.signal.aborted ? local.signal.reason : failed.reason;
    await tx.write(
      'branches',
      prepared.branches.map((b) => ({ name: b.name, sha: b.commit, is_default: b.name === prepared.defaultBranch })),
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
async function history(
  repo: Repository,
  prepared: Prepared,
  tx: RepositoryTransaction,
  excluded: ((path: string) => boolean) | undefined,
  ctx: ExtractContext,
  signal: AbortSignal,
): Promise<void> {
  const { options } = ctx;
  let commits: RowInput<'commits'>[] = [];
  let files: RowInput<'commit_files'>[] = [];
  const flush = async (): Promise<void> => {
    if (commits.length > 0) await tx.write('commits', commits, { signal });
    if (files.length > 0) await tx.write('commit_files', files, { signal });
    commits = [];
    files = [];
  };
  ctx.progress('history', 0);
  for await (const commit of repo.history({
    rev: prepared.branches.map((b) => `refs/heads/${b.name}`),
    files: true,
    mailmap: true,
    maxFileSize: options.maxFileSize,
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    signal,
    onProgress: (e) => ctx.progress('history', e.done),
  })) {
    commits.push(commitRow(commit));
    for (const f of commit.files ?? []) if (!excluded?.(f.path)) files.push(commitFileRow(commit.sha, f));
    if (commits.length >= BATCH || files.length >= BATCH * 4) await flush();
  }
  await flush();
}

interface Owner {
  name: string;
  email: string;
  time: number;
  lines: number;
}

/**
 * Blame at `head`: surviving lines per file and author (one row per file and identity: the email,
 * any case, or the name when there is none, shown under its newest line's name and email), and
 * with `blameLines` every line. git blame applies the mailmap itself, as git log does for history.
 */
async function blame(repo: Repository, head: string, tx: RepositoryTransaction, ctx: ExtractContext, signal: AbortSignal): Promise<void> {
  const { options } = ctx;
  let ownership: RowInput<'ownership'>[] = [];
  let lines: RowInput<'blame_lines'>[] = [];
  let owners = new Map<string, Owner>();
  ctx.progress('blame', 0);
  for await (const chunk of repo.blameChunks({
    rev: head,
    concurrency: options.blameConcurrency,
    maxFileSize: options.maxFileSize,
    ...(options.excludePaths.length ? { exclude: options.excludePaths } : {}),
    signal,
    onProgress: (e) => ctx.progress('blame', e.done, e.total),
  })) {
    if (chunk.error) {
      // Binary, too large, a submodule: not blamed, as documented. A blame that failed fails the repository.
      if (chunk.error.code === 'GITFLEET_GIT_BLAME_FAILED') throw Object.assign(new Error(chunk.error.message), { code: chunk.error.code });
      owners = new Map();
      continue;
    }
    for (const line of chunk.lines) {
      const key = line.authorEmail.trim() !== '' ? `e:${line.authorEmail.trim().toLowerCase()}` : `n:${line.authorName.trim().toLowerCase()}`;
      const owner = owners.get(key);
      if (!owner) owners.set(key, { name: line.authorName, email: line.authorEmail, time: line.authorTime, lines: 1 });
      else {
        owner.lines++;
        if (line.authorTime > owner.time) Object.assign(owner, { name: line.authorName, email: line.authorEmail, time: line.authorTime });
      }
      if (options.blameLines) {
        lines.push({
          path: chunk.path,
          line: line.line,
          sha: line.commit,
          original_path: line.origPath,
          original_line: line.origLine,
          author_name: line.authorName,
          author_email: line.authorEmail,
          author_time: line.authorTime,
          author_tz_offset: line.authorTzOffset,
        });
      }
    }
    if (lines.length >= BATCH * 4) {
      await tx.write('blame_lines', lines, { signal });
      lines = [];
    }
    if (!chunk.done) continue;
    for (const o of owners.values()) ownership.push({ path: chunk.path, author_name: o.name, author_email: o.email, lines: o.lines });
    owners = new Map();
    if (ownership.length >= BATCH) {
      await tx.write('ownership', ownership, { signal });
      ownership = [];
    }
  }
  if (lines.length > 0) await tx.write('blame_lines', lines, { signal });
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

function digest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function digestFile(path: string): Promise<string> {
  return readFile(path).then(digest, () => 'none');
}
