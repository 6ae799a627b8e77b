/**
 * Worker side: the commit walk in `git log`'s default order.
 *
 * libgit2's `RevwalkSort.Time` is a plain date sort: with equal committer timestamps (common
 * in scripted histories) it can list a parent before its child. git instead pops the newest
 * commit from a date-ordered queue and only then queues its parents, ties in insertion order;
 * that is reproduced here, with libgit2's revwalk used only to compute range membership.
 */
import type { Commit as EsCommit, Repository } from 'es-git';

export interface WalkedCommit {
  sha: string;
  commit: EsCommit;
  parents: string[];
  /** Committer time, unix seconds. */
  time: number;
}

export interface WalkPlan {
  /** Start commits, in command-line order (ties on date keep this order, as in git). */
  include: string[];
  /** Commits reachable from these are left out (`^a`, `a..b`). */
  exclude: string[];
  /** Like git's `--since` when walking: older commits are skipped and their parents not queued. */
  since: number | null;
}

interface QueueEntry {
  sha: string;
  commit: EsCommit;
  time: number;
  order: number;
}

/** Binary heap: newest committer time first, then first inserted. */
class CommitQueue {
  private readonly heap: QueueEntry[] = [];
  private inserted = 0;

  push(sha: string, commit: EsCommit, time: number): void {
    this.heap.push({ sha, commit, time, order: this.inserted++ });
    this.siftUp(this.heap.length - 1);
  }

  pop(): QueueEntry | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top && last && this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.time !== y.time ? x.time > y.time : x.order < y.order;
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }

  private siftUp(index: number): void {
    for (let i = index; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(index: number): void {
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < this.heap.length && this.before(left, best)) best = left;
      if (right < this.heap.length && this.before(right, best)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}

/** Parent shas in order: es-git's Commit has no parent accessor, so probe `sha^k` until it fails. */
export function parentsOf(repo: Repository, sha: string): string[] {
  const parents: string[] = [];
  for (let k = 1; ; k++) {
    try {
      parents.push(repo.revparseSingle(`${sha}^${k}`));
    } catch {
      return parents;
    }
  }
}

/** Commits reachable from `include` but not from `exclude` (libgit2 revwalk, unordered). */
function reachableSet(repo: Repository, include: readonly string[], exclude: readonly string[]): Set<string> {
  const walk = repo.revwalk();
  for (const sha of include) walk.push(sha);
  for (const sha of exclude) walk.hide(sha);
  const set = new Set<string>();
  for (let sha = walk.next(); sha !== null; sha = walk.next()) set.add(sha);
  return set;
}

const commitTime = (commit: EsCommit): number => Math.floor(commit.time().getTime() / 1000);

export function* walkCommits(repo: Repository, plan: WalkPlan): Generator<WalkedCommit> {
  const member = plan.exclude.length > 0 ? reachableSet(repo, plan.include, plan.exclude) : null;
  const queue = new CommitQueue();
  const seen = new Set<string>();
  const enqueue = (sha: string): void => {
    if (seen.has(sha) || (member && !member.has(sha))) return;
    seen.add(sha);
    const commit = repo.getCommit(sha);
    queue.push(sha, commit, commitTime(commit));
  };
  plan.include.forEach(enqueue);
  for (let entry = queue.pop(); entry; entry = queue.pop()) {
    if (plan.since !== null && entry.time < plan.since) continue;
    const parents = parentsOf(repo, entry.sha);
    parents.forEach(enqueue);
    yield { sha: entry.sha, commit: entry.commit, parents, time: entry.time };
  }
}
