import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, createTrickyRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { collect } from './util.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository } from '../src/index.js';

let tricky: TrickyRepo;
let tools: Awaited<ReturnType<typeof createTempDir>>;
let log: string;
const realPath = process.env['PATH'];

beforeAll(async () => {
  tricky = await createTrickyRepo();
  // A `git` earlier on PATH that records each subcommand, then runs the real git.
  tools = await createTempDir('gitfleet-tools-');
  log = join(tools.path, 'calls.log');
  const wrapper = join(tools.path, 'git');
  const real = (await import('node:child_process')).execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do case "$a" in -c|core.*|color.*|--no-pager) ;; *) echo "$a" >> "${log}"; break;; esac; done\nexec "${real}" "$@"\n`);
  await chmod(wrapper, 0o755);
  process.env['PATH'] = `${tools.path}:${realPath}`;
});

afterAll(async () => {
  process.env['PATH'] = realPath;
  await Promise.all([tricky?.cleanup(), tools?.cleanup()]);
});

const calls = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('incremental runs', () => {
  it('a repeated blame over an unchanged repository runs no git blame and returns the same results', async () => {
    const cache = await createTempDir('gitfleet-cache-');
    try {
      const repo = await openRepository(tricky.path, { engine: 'git', cache: cache.path });
      const first = await collect(repo.blame());
      expect((await calls()).filter((c) => c === 'blame').length).toBeGreaterThan(10);
      await writeFile(log, '');
      const second = await collect(repo.blame());
      expect(second).toEqual(first);
      expect(await calls()).not.toContain('blame');
    } finally {
      await cache.cleanup();
    }
  });

  it('a repeated history run reads the cache; a new commit invalidates it', async () => {
    const cache = await createTempDir('gitfleet-cache-');
    try {
      const repo = await openRepository(tricky.path, { engine: 'git', cache: cache.path });
      const first = await collect(repo.history({ files: true, all: true }));
      await writeFile(log, '');
      expect(await collect(repo.history({ files: true, all: true }))).toEqual(first);
      expect(await calls()).not.toContain('log');
      // An early stop must not publish a partial entry.
      for await (const _ of repo.history({ maxCount: 100 })) break;
      await writeFile(log, '');
      await collect(repo.history({ maxCount: 100 }));
      expect(await calls()).toContain('log');
    } finally {
      await cache.cleanup();
    }
  });
});

describe('abort', () => {
  it('an aborted history stops with AbortError', async () => {
    const repo = await openRepository(tricky.path, { engine: 'git', cache: false });
    const controller = new AbortController();
    let seen = 0;
    const run = (async () => {
      for await (const _ of repo.history({ files: true, signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'GITFLEET_GIT_ABORTED' });
  });

  it('an aborted blame stops with AbortError', async () => {
    const repo = await openRepository(tricky.path, { engine: 'git', cache: false });
    const controller = new AbortController();
    const run = (async () => {
      for await (const _ of repo.blame({ signal: controller.signal, concurrency: 1 })) controller.abort();
    })();
    await expect(run).rejects.toMatchObject({ code: 'GITFLEET_GIT_ABORTED' });
  });
});
