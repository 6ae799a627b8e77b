import { lstat, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFiles, createEmptyRepo, createTempDir, deterministicEnv, git, gitText, mulberry32 } from '../src/index.js';

describe('deterministicEnv', () => {
  it('isolates git from user and system config', () => {
    const env = deterministicEnv('/tmp/home');
    expect(env).toMatchObject({
      HOME: '/tmp/home',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      LANG: 'C',
      TZ: 'UTC',
    });
    expect(env['XDG_CONFIG_HOME']).toMatch(/^\/tmp\/home\//);
    expect(env['PATH']).toBe(process.env['PATH']);
    expect(Object.keys(env).filter((key) => key.startsWith('GIT_DIR'))).toEqual([]);
  });
});

describe('git', () => {
  it('returns stdout as a Buffer and feeds stdin', async () => {
    await using tmp = await createTempDir();
    const out = await git(tmp.path, ['hash-object', '--stdin'], { input: 'hello\n' });
    expect(out).toBeInstanceOf(Buffer);
    expect(out.toString()).toBe('ce013625030ba8dba906f756967f9e9ca394464a\n');
  });

  it('uses the default identity and no global config', async () => {
    await using tmp = await createTempDir();
    expect(await gitText(tmp.path, ['var', 'GIT_AUTHOR_IDENT'])).toBe('Test Kit <test-kit@example.com> 1700000000 +0000\n');
    await expect(git(tmp.path, ['config', '--global', '--list'])).rejects.toThrow(/unable to read config file/);
  });

  it('rejects with stderr on failure', async () => {
    await using tmp = await createTempDir();
    await expect(git(tmp.path, ['rev-parse', 'HEAD'])).rejects.toThrow(/not a git repository/);
  });

  it('lets options.env override the defaults', async () => {
    await using tmp = await createTempDir();
    const ident = await gitText(tmp.path, ['var', 'GIT_COMMITTER_IDENT'], { env: { GIT_COMMITTER_NAME: 'Other' } });
    expect(ident).toMatch(/^Other </);
  });
});

describe('createTempDir', () => {
  it('creates a real directory and removes it on cleanup', async () => {
    const tmp = await createTempDir('test-kit-');
    expect((await stat(tmp.path)).isDirectory()).toBe(true);
    expect(tmp.path).toContain('test-kit-');
    await tmp.cleanup();
    await expect(stat(tmp.path)).rejects.toThrow();
  });

  it('supports await using', async () => {
    let path = '';
    {
      await using tmp = await createTempDir();
      path = tmp.path;
    }
    await expect(stat(path)).rejects.toThrow();
  });
});

describe('commitFiles', () => {
  const author = { name: 'Ada', email: 'ada@example.com', date: '1700000000 +0530' };

  it('writes, deletes, links and commits deterministically', async () => {
    const shas: string[] = [];
    for (let run = 0; run < 2; run++) {
      await using repo = await createEmptyRepo();
      await commitFiles(repo.path, { 'a.txt': 'a\n', 'dir/b.bin': new Uint8Array([0, 1, 2]) }, { message: 'one', author });
      const sha = await commitFiles(
        repo.path,
        { 'a.txt': null, 'link': { symlink: 'dir/b.bin' }, 'run.sh': { content: '#!/bin/sh\n', executable: true } },
        { message: 'two\n\nbody', author, committer: { ...author, name: 'Bob', date: '1700000100 -0800' } },
      );
      expect(await gitText(repo.path, ['rev-parse', 'HEAD'])).toBe(`${sha}\n`);
      expect(await gitText(repo.path, ['ls-tree', '-r', '--format=%(objectmode) %(path)', 'HEAD'])).toBe(
        '100644 dir/b.bin\n120000 link\n100755 run.sh\n',
      );
      expect(await gitText(repo.path, ['log', '-1', '--format=%an|%ai|%cn|%ci|%B'])).toBe(
        'Ada|2023-11-15 03:43:20 +0530|Bob|2023-11-14 14:15:00 -0800|two\n\nbody\n\n',
      );
      expect(await readlink(join(repo.path, 'link'))).toBe('dir/b.bin');
      expect((await lstat(join(repo.path, 'a.txt')).catch(() => null))).toBeNull();
      shas.push(sha);
    }
    expect(shas[0]).toBe(shas[1]);
  });

  it('writes an encoding header when asked', async () => {
    await using repo = await createEmptyRepo();
    const sha = await commitFiles(repo.path, { 'f.txt': 'x\n' }, {
      message: Buffer.from('caf\xe9\n', 'latin1'),
      encoding: 'ISO-8859-1',
    });
    const raw = await git(repo.path, ['cat-file', 'commit', sha]);
    expect(raw.toString('latin1')).toContain('\nencoding ISO-8859-1\n\ncaf\xe9\n');
  });
});

describe('mulberry32', () => {
  it('is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(values[0]);
  });
});
