import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBareClone, createTrickyRepo, generateLargeRepo, gitText, type TempRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, writeCommitGraph } from '../src/index.js';

let tricky: TempRepo;
let large: TempRepo;

beforeAll(async () => {
  await using source = await createTrickyRepo();
  tricky = await createBareClone(source.path);
  await using big = await generateLargeRepo({ commits: 300, files: 40, seed: 5, renameEvery: 30, mergeEvery: 25 });
  large = await createBareClone(big.path);
}, 120_000);

afterAll(async () => {
  await Promise.all([tricky?.cleanup(), large?.cleanup()]);
});

async function everything(path: string): Promise<unknown> {
  const repo = await openRepository(path, { engine: 'git', cache: false });
  try {
    const blame = [];
    for await (const file of repo.blame()) blame.push(file);
    const history = [];
    for await (const commit of repo.history({ all: true, files: true, mailmap: true })) history.push(commit);
    const paths = [];
    for await (const commit of repo.history({ all: true, paths: ['lib'] })) paths.push(commit.sha);
    return { blame, history, paths };
  } finally {
    await repo.close();
  }
}

describe('writeCommitGraph', () => {
  it.each([['tricky', () => tricky], ['generated', () => large]])('%s: writes changed-path Bloom filters; blame and history are the same before and after', async (_name, repo) => {
    const path = repo().path;
    const before = await everything(path);
    await writeCommitGraph(path);
    expect(existsSync(join(path, 'objects', 'info', 'commit-graph'))).toBe(true);
    // `verify` checks the file; the BIDX/BDAT chunks are the changed-path filters.
    await gitText(path, ['commit-graph', 'verify']);
    const graph = await import('node:fs/promises').then((fs) => fs.readFile(join(path, 'objects', 'info', 'commit-graph')));
    expect(graph.includes(Buffer.from('BIDX'))).toBe(true);
    expect(await everything(path)).toEqual(before);
  });

  it('rejects a path that is not a repository with a typed error', async () => {
    await expect(writeCommitGraph('/nonexistent/repo')).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
    await expect(writeCommitGraph(tmpdir())).rejects.toMatchObject({ code: 'GITFLEET_GIT_NOT_A_REPOSITORY' });
  });
});
