import { describe, expect, it } from 'vitest';
import { generateLargeRepo, gitText } from '../src/index.js';
import { lines } from './helpers.js';

async function fileCount(repo: string): Promise<number> {
  return lines(await gitText(repo, ['ls-files'])).length;
}

describe('generateLargeRepo', () => {
  it('generates exactly the requested commits and files, deterministically', async () => {
    await using repo = await generateLargeRepo({ commits: 2000, files: 200, seed: 3 });
    expect(repo.commitCount).toBe(2000);
    expect(repo.fileCount).toBe(200);
    expect(await gitText(repo.path, ['rev-list', '--count', '--all'])).toBe('2000\n');
    expect(await fileCount(repo.path)).toBe(200);
    expect(await gitText(repo.path, ['rev-parse', 'HEAD'])).toBe(`${repo.head}\n`);
    expect(await gitText(repo.path, ['status', '--porcelain'])).toBe('');

    const merges = Number(await gitText(repo.path, ['rev-list', '--merges', '--count', 'HEAD']));
    expect(merges).toBeGreaterThanOrEqual(5);
    const renames = lines(await gitText(repo.path, ['log', '-M', '--diff-filter=R', '--name-status', '--format=']));
    expect(renames.length).toBeGreaterThanOrEqual(3);
    const renameLine = /^R\d+\tsrc\/mod\d+\/file\d+(-v\d+)?\.txt\tsrc\/mod\d+\/file\d+-v\d+\.txt$/;
    expect(renames.every((line) => renameLine.test(line))).toBe(true);
    const numstat = await gitText(repo.path, ['log', '--numstat', '--format=', '--', 'assets']);
    expect(numstat).toMatch(/^-\t-\tassets\/blob\d+\.bin$/m);
    const zones = new Set(lines(await gitText(repo.path, ['log', '--format=%ad', '--date=format:%z'])));
    expect(zones.size).toBe(5);
    // Author dates never go backwards along first-parent history.
    const times = lines(await gitText(repo.path, ['log', '--first-parent', '--format=%at'])).map(Number);
    expect(times.every((t, i) => i === 0 || t <= times[i - 1]!)).toBe(true);

    await using again = await generateLargeRepo({ commits: 2000, files: 200, seed: 3 });
    expect(again.head).toBe(repo.head);
    await using other = await generateLargeRepo({ commits: 2000, files: 200, seed: 4 });
    expect(other.head).not.toBe(repo.head);
  });

  it('handles tiny repositories', async () => {
    await using one = await generateLargeRepo({ commits: 1, files: 1 });
    expect(await gitText(one.path, ['rev-list', '--count', 'HEAD'])).toBe('1\n');
    expect(await fileCount(one.path)).toBe(1);
    await using few = await generateLargeRepo({ commits: 30, files: 3, mergeEvery: 5, renameEvery: 7, linesPerFile: 3 });
    expect(await gitText(few.path, ['rev-list', '--count', 'HEAD'])).toBe('30\n');
    expect(await fileCount(few.path)).toBe(3);
    await expect(generateLargeRepo({ commits: 0, files: 1 })).rejects.toThrow(/commits/);
  });

  it('generates 20,000 commits and 1,000 files', { timeout: 120_000 }, async () => {
    const start = performance.now();
    await using repo = await generateLargeRepo({ commits: 20_000, files: 1_000 });
    const seconds = (performance.now() - start) / 1000;
    console.info(`generateLargeRepo 20k commits / 1k files: ${seconds.toFixed(1)} s`);
    expect(await gitText(repo.path, ['rev-list', '--count', 'HEAD'])).toBe('20000\n');
    expect(await fileCount(repo.path)).toBe(1000);
  });
});
