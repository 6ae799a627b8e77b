// es-git engine: repository location, revisions, refs, branches, tree listing, availability.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBareClone, createTempDir, createTrickyRepo, git, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsGitEngine } from '../../src/engines/es-git/engine.js';
import type { GitEngine, RepoLocation } from '../../src/engines/engine.js';
import { blameOf, collect, esGit, gitBytes, gitOut, lines } from './helpers.js';

let tricky: TrickyRepo;
let engine: GitEngine;
let repo: RepoLocation;

beforeAll(async () => {
  tricky = await createTrickyRepo();
  engine = esGit();
  repo = await engine.open(tricky.path);
});

afterAll(async () => {
  await engine?.close();
  await tricky?.cleanup();
});

describe('open', () => {
  it('finds the work tree root from any directory inside it, like rev-parse', async () => {
    const expected = {
      root: (await gitOut(tricky.path, ['rev-parse', '--show-toplevel'])).trim(),
      gitDir: (await gitOut(tricky.path, ['rev-parse', '--absolute-git-dir'])).trim(),
      bare: false,
    };
    expect(repo).toMatchObject(expected);
    expect(await engine.open(join(tricky.path, 'src'))).toEqual(repo);
    expect(repo.name).toBe(expected.root.split('/').at(-1));
  });

  it('bare repositories: root is the git dir and a trailing .git is dropped from the name', async () => {
    const dir = await createTempDir();
    try {
      const bare = join(dir.path, 'mirror.git');
      await git(dir.path, ['clone', '-q', '--bare', tricky.path, bare]);
      expect(await engine.open(bare)).toEqual({ root: bare, gitDir: bare, bare: true, name: 'mirror' });
    } finally {
      await dir.cleanup();
    }
  });

  it('NotARepositoryError outside a repository and for missing paths', async () => {
    const dir = await createTempDir();
    try {
      await expect(engine.open(dir.path)).rejects.toMatchObject({ name: 'NotARepositoryError', code: 'GITFLEET_GIT_NOT_A_REPOSITORY', data: { path: dir.path } });
      await expect(engine.open(join(dir.path, 'missing'))).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
    } finally {
      await dir.cleanup();
    }
  });
});

describe('resolveCommit', () => {
  it('resolves revisions to full commit shas like rev-parse <rev>^{commit}', async () => {
    const short = tricky.facts.head.slice(0, 9);
    for (const rev of ['HEAD', 'main~3', `${tricky.facts.shas.octopusMerge}^3`, 'v1.0', 'v0.1', short, tricky.facts.head, 'origin/main', 'main@{0}']) {
      const expected = (await gitOut(tricky.path, ['rev-parse', `${rev}^{commit}`])).trim();
      expect([rev, await engine.resolveCommit(repo, rev)]).toEqual([rev, expected]);
    }
  });

  it('UnknownRevisionError for unknown names and non-commits', async () => {
    const tree = (await gitOut(tricky.path, ['rev-parse', 'HEAD^{tree}'])).trim();
    for (const rev of ['no-such-ref', tree, '0'.repeat(40), 'HEAD~999']) {
      await expect(engine.resolveCommit(repo, rev)).rejects.toMatchObject({ name: 'UnknownRevisionError', code: 'GITFLEET_GIT_UNKNOWN_REVISION', data: { rev } });
    }
  });
});

describe('refState', () => {
  let clone: TempRepo;
  let location: RepoLocation;
  beforeAll(async () => {
    clone = await createBareClone(tricky.path);
    location = await engine.open(clone.path);
  });
  afterAll(() => clone.cleanup());

  it('is stable for an unchanged repository, including after git pack-refs', async () => {
    const before = await engine.refState(location);
    expect(await engine.refState(location)).toBe(before);
    await git(clone.path, ['pack-refs', '--all', '--prune']);
    expect(await engine.refState(location)).toBe(before);
    expect(before).toContain('refs/tags/v1.0 ');
  });

  it('changes when any ref moves, appears or disappears, or HEAD changes', async () => {
    const states = [await engine.refState(location)];
    const change = async (args: string[]): Promise<void> => {
      await git(clone.path, args);
      states.push(await engine.refState(location));
    };
    await change(['update-ref', 'refs/heads/main', 'main~1']);
    await change(['tag', 'new-tag', 'main']);
    await change(['update-ref', 'refs/notes/commits', 'main']);
    await change(['update-ref', '-d', 'refs/tags/v0.1']);
    await change(['symbolic-ref', 'HEAD', 'refs/heads/feature/x']);
    expect(new Set(states).size).toBe(states.length);
  });
});

describe('branches', () => {
  it('local and remote branches (symbolic origin/HEAD skipped) with tips, HEAD and upstream, like for-each-ref', async () => {
    const format = '%(refname)%00%(refname:short)%00%(objectname)%00%(HEAD)%00%(upstream:short)%00%(symref)';
    const oracle = lines(await gitOut(tricky.path, ['for-each-ref', `--format=${format}`, 'refs/heads', 'refs/remotes']))
      .map((line) => line.split('\0'))
      .filter(([, , , , , symref]) => symref === '')
      .map(([ref, name, commit, head, upstream]) => ({
        name,
        ref,
        kind: ref!.startsWith('refs/heads/') ? 'local' : 'remote',
        commit,
        isHead: head === '*',
        upstream: upstream === '' ? null : upstream,
      }));
    expect(await engine.branches(repo)).toEqual(oracle);
    expect(oracle.find((b) => b.name === 'main')).toMatchObject({ isHead: true, upstream: 'origin/main' });
  });
});

describe('listFiles', () => {
  it('every blob, symlink and submodule with mode and id, in ls-tree -r order', async () => {
    const temp = await createTempDir();
    try {
      // Add a gitlink and an executable on top of the tricky tree without touching its work tree.
      await git(tricky.path, ['worktree', 'add', '-q', '--detach', join(temp.path, 'wt')]);
      const wt = join(temp.path, 'wt');
      await writeFile(join(wt, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
      await git(wt, ['add', 'run.sh']);
      await git(wt, ['update-index', '--add', '--cacheinfo', `160000,${tricky.facts.head},vendor/sub`]);
      await git(wt, ['commit', '-q', '-m', 'gitlink and executable']);
      const commit = (await gitOut(wt, ['rev-parse', 'HEAD'])).trim();
      const files = await engine.listFiles(repo, commit);
      const oracle = (await gitBytes(tricky.path, ['ls-tree', '-r', '-z', commit]))
        .toString('utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => {
          const tab = entry.indexOf('\t');
          const path = entry.slice(tab + 1);
          const [mode, , id] = entry.slice(0, tab).split(' ');
          return { path, mode, id };
        });
      expect(files).toEqual(oracle);
      expect(new Set(files.map((f) => f.mode))).toEqual(new Set(['100644', '100755', '120000', '160000']));
      expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(tricky.facts.trickyPaths));
    } finally {
      await git(tricky.path, ['worktree', 'remove', '--force', join(temp.path, 'wt')]);
      await temp.cleanup();
    }
  });
});

describe('non-UTF-8 path bytes', () => {
  it('es-git: non-UTF-8 bytes in paths become U+FFFD (listFiles, history files, staged patches); blame cannot find such a path', async () => {
    const dir = await createTempDir();
    try {
      await git(dir.path, ['init', '-q']);
      const latin1Name = Buffer.from('caf\xe9.txt', 'latin1');
      await writeFile(join(dir.path, 'ok.txt'), 'ok\n');
      // Node paths are UTF-8 strings; a Buffer path keeps the raw byte.
      await writeFile(Buffer.concat([Buffer.from(`${dir.path}/`), latin1Name]), 'x\n');
      await git(dir.path, ['add', '-A']);
      await git(dir.path, ['commit', '-q', '-m', 'latin-1 file name']);
      expect((await gitBytes(dir.path, ['ls-files', '-z'])).includes(latin1Name)).toBe(true);
      const location = await engine.open(dir.path);
      const head = await engine.resolveCommit(location, 'HEAD');
      const files = await engine.listFiles(location, head);
      expect(files.map((f) => f.path)).toEqual(['caf\uFFFD.txt', 'ok.txt']);
      const [commit] = await collect(engine.history(location, { revs: [], repoName: location.name, files: true }));
      expect(commit!.files!.map((f) => f.path)).toEqual(['caf\uFFFD.txt', 'ok.txt']);
      expect((await blameOf(engine, location, head, files[0]!)).error?.code).toBe('GITFLEET_GIT_PATH_NOT_FOUND');
    } finally {
      await dir.cleanup();
    }
  });
});

describe('availability and lifecycle', () => {
  it('every method rejects with EngineUnavailableError when es-git cannot load (e.g. glibc too old)', async () => {
    const dir = await createTempDir();
    try {
      // A worker that behaves like a machine where the es-git binary fails to load.
      const failing = `throw new Error('/lib/x86_64-linux-gnu/libc.so.6: version GLIBC_2.38 not found')`;
      const hook = `export async function resolve(specifier, context, next) {
        if (specifier === 'es-git') return { url: 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(failing)}), shortCircuit: true };
        return next(specifier, context);
      }`;
      const worker = new URL('../../dist/engines/es-git/worker.js', import.meta.url).href;
      const file = join(dir.path, 'worker.mjs');
      await writeFile(
        file,
        `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));\n` +
          `const { default: handle } = await import(${JSON.stringify(worker)});\nexport default handle;\n`,
      );
      const broken = createEsGitEngine({ workerUrl: pathToFileURL(file) });
      try {
        const unavailable = { name: 'EngineUnavailableError', code: 'GITFLEET_GIT_ENGINE_UNAVAILABLE', message: expect.stringContaining('GLIBC_2.38') };
        const file0 = { path: 'README.md', mode: '100644', id: '' };
        await expect(broken.open(tricky.path)).rejects.toMatchObject(unavailable);
        await expect(broken.resolveCommit(repo, 'HEAD')).rejects.toMatchObject(unavailable);
        await expect(broken.refState(repo)).rejects.toMatchObject(unavailable);
        await expect(broken.listFiles(repo, tricky.facts.head)).rejects.toMatchObject(unavailable);
        await expect(blameOf(broken, repo, tricky.facts.head, file0)).rejects.toMatchObject(unavailable);
        await expect(broken.branches(repo)).rejects.toMatchObject(unavailable);
        await expect(broken.stagedDiff(repo)).rejects.toMatchObject(unavailable);
        const iterator = broken.history(repo, { revs: [], repoName: repo.name })[Symbol.asyncIterator]();
        await expect(iterator.next()).rejects.toMatchObject(unavailable);
      } finally {
        await broken.close();
      }
    } finally {
      await dir.cleanup();
    }
  });

  it('EngineUnavailableError when the worker module is missing', async () => {
    const missing = createEsGitEngine({ workerUrl: new URL('file:///nonexistent/worker.js') });
    await expect(missing.open(tricky.path)).rejects.toMatchObject({ code: 'GITFLEET_GIT_ENGINE_UNAVAILABLE', message: expect.stringContaining('worker module not found') });
    await missing.close();
  });

  it('an aborted signal rejects with AbortError; close() ends the workers and a later call starts new ones', async () => {
    const own = esGit();
    await expect(own.open(tricky.path, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError', code: 'GITFLEET_GIT_ABORTED' });
    expect((await own.open(tricky.path)).root).toBe(repo.root);
    await own.close();
    await own.close();
    expect((await own.open(tricky.path)).root).toBe(repo.root);
    await own.close();
  });

  it('worker startup cost (first call on a new engine) is measured', async () => {
    const fresh = esGit();
    try {
      const started = performance.now();
      await fresh.resolveCommit(repo, 'HEAD');
      const first = performance.now() - started;
      const again = performance.now();
      await fresh.resolveCommit(repo, 'HEAD');
      const warm = performance.now() - again;
      console.info(`es-git worker startup: first call ${first.toFixed(0)} ms, warm call ${warm.toFixed(1)} ms`);
      expect(warm).toBeLessThan(first);
    } finally {
      await fresh.close();
    }
  });

  it('discovers a repository created after the engine opened another path in the same directory', async () => {
    const dir = await createTempDir();
    try {
      await mkdir(join(dir.path, 'late'));
      await expect(engine.open(join(dir.path, 'late'))).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
      await git(join(dir.path, 'late'), ['init', '-q']);
      expect((await engine.open(join(dir.path, 'late'))).root).toBe(join(dir.path, 'late'));
    } finally {
      await dir.cleanup();
    }
  });
});
