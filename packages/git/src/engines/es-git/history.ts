/** Worker side: the history task, streamed to the engine in batches over a MessagePort. */
import type { MessagePort } from 'node:worker_threads';
import type { Repository } from 'es-git';
import type { Person } from '../../types.js';
import type { HistoryQuery } from '../engine.js';
import { commitMetadata, type CommitContext } from './commit-info.js';
import { diffStats, firstParentDiff, hasDeltas } from './commit-stats.js';
import { BatchSender } from './batches.js';
import { WorkerFailure, toWorkerError } from './protocol.js';
import { peelToCommit, refTips } from './refs.js';
import { walkCommits, type WalkPlan } from './walk.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds for an ISO 8601 date or date-time (no zone: local time, as git reads it). */
function parseIso(text: string): number {
  const date = ISO_DATE.exec(text);
  if (date) {
    // git's approxidate keeps the current time of day for a bare date.
    const now = new Date();
    return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]), now.getHours(), now.getMinutes(), now.getSeconds()).getTime();
  }
  return ISO_DATE_TIME.test(text) ? Date.parse(text) : NaN;
}

/** Unix seconds from `since`/`until`; es-git has no equivalent of git's approxidate. */
export function parseDate(value: number | string | undefined, option: string): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value);
  const millis = typeof value === 'string' ? parseIso(value.trim()) : NaN;
  if (Number.isNaN(millis)) {
    throw new WorkerFailure(
      'GITFLEET_GIT_INVALID_OPTION',
      `${option}: the es-git engine accepts unix seconds or an ISO 8601 date, not ${JSON.stringify(value)} ` +
        "(git's approxidate formats need the git engine)",
    );
  }
  return Math.floor(millis / 1000);
}

function authorFilter(pattern: string | undefined): RegExp | null {
  if (pattern === undefined) return null;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new WorkerFailure('GITFLEET_GIT_INVALID_OPTION', `author: invalid regular expression: ${(error as Error).message}`);
  }
}

function resolveRev(repo: Repository, rev: string): string {
  const sha = peelToCommit(repo, rev);
  if (!sha) throw new WorkerFailure('GITFLEET_GIT_UNKNOWN_REVISION', `unknown revision: ${rev}`, { rev });
  return sha;
}

/** Start and stop commits for `rev`, `^rev`, `a..b` and `a...b` (empty sides mean HEAD). */
function addRevision(repo: Repository, rev: string, plan: WalkPlan): void {
  const symmetric = rev.indexOf('...');
  const range = rev.indexOf('..');
  if (rev.startsWith('^')) {
    plan.exclude.push(resolveRev(repo, rev.slice(1)));
  } else if (symmetric > 0 || rev.startsWith('...')) {
    const left = resolveRev(repo, rev.slice(0, symmetric) || 'HEAD');
    const right = resolveRev(repo, rev.slice(symmetric + 3) || 'HEAD');
    plan.include.push(left, right);
    plan.exclude.push(...repo.getMergeBases(left, right));
  } else if (range >= 0) {
    plan.exclude.push(resolveRev(repo, rev.slice(0, range) || 'HEAD'));
    plan.include.push(resolveRev(repo, rev.slice(range + 2) || 'HEAD'));
  } else {
    plan.include.push(resolveRev(repo, rev));
  }
}

function walkPlan(repo: Repository, query: HistoryQuery): WalkPlan {
  const plan: WalkPlan = { include: [], exclude: [], since: parseDate(query.since, 'since') };
  if (query.all) {
    // Like `git log --all`: every ref in name order, then HEAD.
    plan.include.push(...refTips(repo));
    const head = peelToCommit(repo, 'HEAD');
    if (head) plan.include.push(head);
    return plan;
  }
  for (const rev of query.revs.length > 0 ? query.revs : ['HEAD']) addRevision(repo, rev, plan);
  return plan;
}

function matchesAuthor(filter: RegExp | null, author: Person): boolean {
  return !filter || filter.test(`${author.name} <${author.email}>`);
}

async function streamCommits(repo: Repository, query: HistoryQuery, sender: BatchSender): Promise<void> {
  const plan = walkPlan(repo, query);
  const until = parseDate(query.until, 'until');
  const author = authorFilter(query.author);
  const pathspecs = query.paths && query.paths.length > 0 ? [...query.paths] : null;
  const context: CommitContext = { repoName: query.repoName, mailmap: query.mailmap ? repo.mailmap() : null };
  let remaining = query.maxCount ?? Infinity;
  for (const walked of walkCommits(repo, plan)) {
    if (remaining <= 0 || sender.isStopped) break;
    if (until !== null && walked.time > until) continue;
    const metadata = commitMetadata(walked, context);
    if (!matchesAuthor(author, metadata.author)) continue;
    // With paths, git limits both the commits and their stats to the pathspec.
    const diff = firstParentDiff(repo, walked, pathspecs, query.maxFileSize);
    if (pathspecs && !hasDeltas(diff.diff)) continue;
    remaining--;
    await sender.add({ ...metadata, ...diffStats(repo, diff, query.files === true) });
  }
  await sender.flush(true);
}

export async function runHistory(repo: Repository, query: HistoryQuery, port: MessagePort): Promise<void> {
  const sender = new BatchSender(port);
  try {
    await streamCommits(repo, query, sender);
    sender.post({ type: 'end' });
  } catch (error) {
    sender.post({ type: 'error', error: toWorkerError(error) });
  } finally {
    sender.close();
  }
}
