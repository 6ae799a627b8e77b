import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createTempDir, git, gitText } from '@gitfleet/test-kit';
import { collect } from './util.js';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../src/index.js';

/** A repository where one file's blob is corrupted on disk (loose object overwritten with junk). */
async function corruptRepo(): Promise<{ path: string; cleanup(): Promise<void>; broken: string }> {
  const dir = await createTempDir('gitfleet-corrupt-');
  await git(dir.path, ['init', '-q', '-b', 'main']);
  await commitFiles(dir.path, { 'good.txt': 'one\ntwo\n', 'broken.txt': 'three\nfour\n' }, { message: 'first' });
  await commitFiles(dir.path, { 'good.txt': 'one\ntwo\nthree\n' }, { message: 'second' });
  const blob = (await gitText(dir.path, ['rev-parse', 'HEAD:broken.txt'])).trim();
  const file = join(dir.path, '.git', 'objects', blob.slice(0, 2), blob.slice(2));
  await chmod(file, 0o644);
  await writeFile(file, 'not a zlib stream');
  return { ...dir, broken: 'broken.txt' };
}

describe('bad input gets a clear one-line error, and only the affected item fails', () => {
  it('a corrupt blob fails its own blame; the other file is blamed', async () => {
    const repo = await corruptRepo();
    try {
      const r = await openRepository(repo.path, { engine: 'git', cache: false });
      const results = await collect(r.blame());
      const byPath = new Map(results.map((x) => [x.path, x]));
      expect(byPath.get('good.txt')!.lines.map((l) => l.content)).toEqual(['one', 'two', 'three']);
      const err = byPath.get('broken.txt')!.error!;
      expect(err.code).toBe('GITFLEET_GIT_BLAME_FAILED');
      expect(err.message.split('\n')).toHaveLength(1);
    } finally {
      await repo.cleanup();
    }
  });

  it('history that must read a corrupt object fails with GITFLEET_GIT_CORRUPT', async () => {
    const repo = await corruptRepo();
    try {
      const r = await openRepository(repo.path, { engine: 'git', cache: false });
      const error = await collect(r.history({ files: true })).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GITFLEET_GIT_CORRUPT' });
      expect((error as Error).message.split('\n')).toHaveLength(1);
    } finally {
      await repo.cleanup();
    }
  });

  it('a missing directory and a plain directory are not repositories', async () => {
    await expect(openRepository('/definitely/not/here', { engine: 'git' })).rejects.toMatchObject({
      code: 'GITFLEET_GIT_NOT_A_REPOSITORY',
      message: expect.stringMatching(/no such directory/),
    });
    const dir = await createTempDir();
    try {
      await expect(openRepository(dir.path, { engine: 'git' })).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
      expect((await readdir(dir.path)).length).toBe(0);
    } finally {
      await dir.cleanup();
    }
  });

  it('invalid options are rejected before any work', async () => {
    const dir = await createTempDir();
    try {
      await git(dir.path, ['init', '-q']);
      const r = await openRepository(dir.path, { engine: 'git', cache: false });
      await expect(collect(r.history({ maxCount: -1 }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
      await expect(collect(r.history({ rev: '--output=/tmp/x' }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
      await expect(collect(r.blame({ concurrency: 0 }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
      for (const maxFileSize of [0, -1, 1.5, Number.NaN]) {
        await expect(collect(r.blame({ maxFileSize }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
        await expect(collect(r.history({ maxFileSize }))).rejects.toMatchObject({ code: 'GITFLEET_GIT_INVALID_OPTION' });
      }
    } finally {
      await dir.cleanup();
    }
  });
});
