import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareClone, createEmptyRepo, createShallowClone, createTempDir, git, gitText } from '../src/index.js';
import type { TempRepo } from '../src/index.js';

describe('createEmptyRepo', () => {
  it('has an unborn main branch and no commits', async () => {
    await using repo = await createEmptyRepo();
    expect(await gitText(repo.path, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main\n');
    await expect(git(repo.path, ['rev-parse', '--verify', 'HEAD'])).rejects.toThrow();
    expect(await gitText(repo.path, ['rev-list', '--all', '--count'])).toBe('0\n');
    expect(await gitText(repo.path, ['rev-parse', '--is-bare-repository'])).toBe('false\n');
  });

  it('can be created at a given directory, which cleanup removes', async () => {
    await using tmp = await createTempDir();
    const dir = join(tmp.path, 'with space', 'repo');
    const repo = await createEmptyRepo({ dir });
    expect(repo.path).toBe(dir);
    expect(await gitText(dir, ['rev-parse', '--show-toplevel'])).toBe(`${dir}\n`);
    await repo.cleanup();
    await expect(stat(dir)).rejects.toThrow();
  });

  it('refuses a non-empty directory', async () => {
    await using tmp = await createTempDir();
    await commitFiles((await createEmptyRepo({ dir: join(tmp.path, 'a') })).path, { 'f.txt': 'x\n' }, { message: 'm' });
    await expect(createEmptyRepo({ dir: join(tmp.path, 'a') })).rejects.toThrow(/not empty/);
  });
});

describe('clones', () => {
  let source: TempRepo;
  let head = '';

  beforeAll(async () => {
    source = await createEmptyRepo();
    for (let i = 1; i <= 5; i++) {
      const date = `${1_700_000_000 + i * 60} +0200`;
      head = await commitFiles(source.path, { 'n.txt': `${i}\n` }, {
        message: `commit ${i}`,
        author: { name: 'A', email: 'a@example.com', date },
      });
    }
  });
  afterAll(async () => {
    await source.cleanup();
  });

  it('createShallowClone makes a shallow clone of the given depth', async () => {
    await using shallow = await createShallowClone(source.path, 2);
    expect(await gitText(shallow.path, ['rev-parse', '--is-shallow-repository'])).toBe('true\n');
    expect(await gitText(shallow.path, ['rev-parse', 'HEAD'])).toBe(`${head}\n`);
    expect(await gitText(shallow.path, ['rev-list', '--count', 'HEAD'])).toBe('2\n');
    expect((await stat(join(shallow.path, '.git', 'shallow'))).isFile()).toBe(true);
  });

  it('createShallowClone handles paths with spaces', async () => {
    await using tmp = await createTempDir('with space-');
    const repo = await createEmptyRepo({ dir: join(tmp.path, 'src repo') });
    await commitFiles(repo.path, { 'a.txt': 'a\n' }, { message: 'one' });
    await commitFiles(repo.path, { 'a.txt': 'b\n' }, { message: 'two' });
    await using shallow = await createShallowClone(repo.path, 1);
    expect(await gitText(shallow.path, ['rev-list', '--count', 'HEAD'])).toBe('1\n');
  });

  it('createBareClone makes a bare repository with the same history', async () => {
    await using bare = await createBareClone(source.path);
    expect(await gitText(bare.path, ['rev-parse', '--is-bare-repository'])).toBe('true\n');
    expect(await gitText(bare.path, ['rev-parse', 'main'])).toBe(`${head}\n`);
    expect(await gitText(bare.path, ['rev-list', '--count', 'main'])).toBe('5\n');
  });
});
