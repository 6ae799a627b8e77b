/** Worker side: loading es-git and keeping opened repositories. */
import { basename } from 'node:path';
import type * as EsGitModule from 'es-git';
import type { Repository } from 'es-git';
import type { RepoLocation } from '../engine.js';
import { WorkerFailure } from './protocol.js';

type EsGit = typeof EsGitModule;

let esGit: Promise<EsGit> | undefined;

/** Imports es-git once; a binary that cannot load (e.g. glibc too old) makes the engine unavailable. */
export function loadEsGit(): Promise<EsGit> {
  esGit ??= import('es-git').catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkerFailure('GITFLEET_GIT_ENGINE_UNAVAILABLE', reason, { reason });
  });
  return esGit;
}

/** Repositories kept per worker, least recently used dropped first (fleet runs touch many repos). */
const MAX_OPEN = 32;
const opened = new Map<string, Promise<Repository>>();

function remember(root: string, repo: Promise<Repository>): Promise<Repository> {
  opened.delete(root);
  opened.set(root, repo);
  if (opened.size > MAX_OPEN) opened.delete(opened.keys().next().value as string);
  return repo;
}

export async function repository(root: string): Promise<Repository> {
  const cached = opened.get(root);
  if (cached) return remember(root, cached);
  const { openRepository } = await loadEsGit();
  const repo = openRepository(root).catch((error: unknown) => {
    opened.delete(root);
    throw notARepository(root, error);
  });
  return remember(root, repo);
}

function notARepository(path: string, cause: unknown): WorkerFailure {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new WorkerFailure('GITFLEET_GIT_NOT_A_REPOSITORY', `not a git repository: ${path}`, { path, reason });
}

const withoutSlash = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);

export async function openLocation(path: string): Promise<RepoLocation> {
  const { discoverRepository } = await loadEsGit();
  let repo: Repository;
  try {
    repo = await discoverRepository(path);
  } catch (error) {
    throw notARepository(path, error);
  }
  const gitDir = withoutSlash(repo.path());
  const bare = repo.isBare();
  const workdir = repo.workdir();
  const root = bare || workdir === null ? gitDir : withoutSlash(workdir);
  void remember(root, Promise.resolve(repo));
  return { root, gitDir, bare, name: basename(root).replace(/\.git$/, '') };
}
