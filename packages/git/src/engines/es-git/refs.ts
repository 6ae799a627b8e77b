/** Worker side: references (fingerprint, branches, tips for `--all`). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Repository } from 'es-git';
import type { Branch } from '../../types.js';
import { compareBytes } from './bytes.js';
import { each } from './objects.js';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The directory shared by all worktrees (refs, packed-refs, objects). */
export function commonDir(gitDir: string): string {
  const common = readText(join(gitDir, 'commondir'));
  return common ? resolve(gitDir, common) : gitDir;
}

function parsePackedRefs(dir: string, into: Map<string, string>): void {
  const text = readText(join(dir, 'packed-refs'));
  for (const line of text?.split('\n') ?? []) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space > 0) into.set(line.slice(space + 1), line.slice(0, space));
  }
}

function readLooseRefs(dir: string, prefix: string, into: Map<string, string>): void {
  let entries;
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) readLooseRefs(dir, name, into);
    else if (entry.isFile() && !entry.name.endsWith('.lock')) {
      const target = readText(join(dir, name));
      if (target) into.set(name, target);
    }
  }
}

/**
 * Every reference with its target (`<sha>` or `ref: <name>`), read from the ref store the
 * way git lays it out (packed-refs, then loose refs overriding them). es-git 0.6.0 has no
 * reference iterator, and reading the files keeps symbolic refs and non-branch refs visible.
 */
export function readRefs(repo: Repository): Map<string, string> {
  const gitDir = repo.path();
  const common = commonDir(gitDir);
  const refs = new Map<string, string>();
  parsePackedRefs(common, refs);
  readLooseRefs(common, 'refs', refs);
  if (resolve(common) !== resolve(gitDir) && existsSync(join(gitDir, 'refs'))) readLooseRefs(gitDir, 'refs', refs);
  return refs;
}

export function headTarget(repo: Repository): string {
  return readText(join(repo.path(), 'HEAD')) ?? '';
}

/** HEAD plus every ref and its target; equal strings mean equal ref state. */
export function refState(repo: Repository): string {
  const lines = [...readRefs(repo)].map(([name, target]) => `${name} ${target}`).sort(compareBytes);
  return [`HEAD ${headTarget(repo)}`, ...lines].join('\n');
}

/** Commits the refs point at, peeled (tags to their commits); refs to other objects are skipped. */
export function refTips(repo: Repository): string[] {
  const refs = readRefs(repo);
  const tips: string[] = [];
  for (const name of [...refs.keys()].sort(compareBytes)) {
    const tip = peelToCommit(repo, name);
    if (tip) tips.push(tip);
  }
  return tips;
}

export function peelToCommit(repo: Repository, rev: string): string | null {
  try {
    return repo.getObject(repo.revparseSingle(rev)).peelToCommit().id();
  } catch {
    return null;
  }
}

export function listBranches(repo: Repository): Branch[] {
  const branches: Branch[] = [];
  for (const { type, name } of each(repo.branches())) {
    const branch = repo.findBranch(name, type);
    const commit = branch?.referenceTarget();
    // Symbolic refs such as origin/HEAD have no direct target.
    if (!branch || !commit) continue;
    const local = type === 'Local';
    branches.push({
      name,
      ref: `${local ? 'refs/heads' : 'refs/remotes'}/${name}`,
      kind: local ? 'local' : 'remote',
      commit,
      isHead: branch.isHead(),
      upstream: local ? upstreamName(branch) : null,
    });
  }
  return branches.sort((a, b) => compareBytes(a.ref, b.ref));
}

function upstreamName(branch: NonNullable<ReturnType<Repository['findBranch']>>): string | null {
  try {
    return branch.findUpstream()?.name() ?? null;
  } catch {
    return null;
  }
}
