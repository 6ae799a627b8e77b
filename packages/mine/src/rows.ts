import type { RowInput } from '@gitfleet/dataset';
import type { Commit, FileChange, FileStatus } from '@gitfleet/git';
import type { Contributor, Issue, PullRequest } from '@gitfleet/providers';

const STATUS: Record<FileStatus, string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', typechange: 'T' };

/** A commit as a `commits` row (names and emails already mailmapped by git). */
export function commitRow(c: Commit): RowInput<'commits'> {
  return {
    sha: c.sha,
    parents: c.parents,
    author_name: c.author.name,
    author_email: c.author.email,
    author_time: c.author.timestamp,
    // The pipeline runs on the git CLI engine, which always reads offsets (es-git would give null).
    author_tz_offset: c.author.tzOffset ?? 0,
    committer_name: c.committer.name,
    committer_email: c.committer.email,
    committer_time: c.committer.timestamp,
    committer_tz_offset: c.committer.tzOffset ?? 0,
    message: c.message,
    additions: c.additions,
    deletions: c.deletions,
    files_changed: c.filesChanged,
  };
}

/** A file change of a commit as a `commit_files` row; a binary file has NULL line counts. */
export function commitFileRow(sha: string, f: FileChange): RowInput<'commit_files'> {
  return {
    sha,
    path: f.path,
    old_path: f.oldPath,
    status: STATUS[f.status],
    additions: f.binary ? null : f.additions,
    deletions: f.binary ? null : f.deletions,
  };
}

const seconds = (iso: string | null): number | null => {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
};

export function pullRequestRow(p: PullRequest): RowInput<'pull_requests'> {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    author_login: p.author,
    created_time: seconds(p.createdAt),
    updated_time: seconds(p.updatedAt),
    closed_time: seconds(p.closedAt),
    merged_time: seconds(p.mergedAt),
    is_draft: p.draft,
    base_branch: p.targetBranch,
    head_branch: p.sourceBranch,
    url: p.webUrl,
  };
}

export function issueRow(i: Issue): RowInput<'issues'> {
  return {
    number: i.number,
    title: i.title,
    state: i.state,
    author_login: i.author,
    created_time: seconds(i.createdAt),
    updated_time: seconds(i.updatedAt),
    closed_time: seconds(i.closedAt),
    comments: i.comments,
    labels: i.labels,
    url: i.webUrl,
  };
}

/** A contributor with a login (GitLab reports name and email only: those have no row). */
export function contributorRow(c: Contributor): RowInput<'contributors'> | undefined {
  if (!c.login) return undefined;
  return { author_login: c.login, name: c.name, email: c.email, contributions: c.contributions };
}
