import { createTrickyRepo } from '@gitfleet/test-kit';
import { expect, it } from 'vitest';
import { EngineSet, openRepository } from '../src/index.js';

it("auto: git for one-shot use; es-git for branches and files once its workers are running", async () => {
  await using fixture = await createTrickyRepo();
  const engines = new EngineSet();
  try {
    const repo = await openRepository(fixture.path, { engines, cache: false });
    expect(await repo.engineFor('branches')).toBe('git');
    const viaGit = await repo.branches();
    // Any es-git use starts its pool; from then on the cheap calls go to the warm workers.
    const esRepo = await openRepository(fixture.path, { engines, engine: 'es-git', cache: false });
    await esRepo.branches();
    expect(await repo.engineFor('branches')).toBe('es-git');
    expect(await repo.engineFor('files')).toBe('es-git');
    expect(await repo.engineFor('history')).toBe('git');
    expect(await repo.engineFor('blame')).toBe('git');
    expect(await repo.engineFor('stagedDiff')).toBe('git');
    expect(await repo.branches()).toEqual(viaGit);
  } finally {
    await engines.close();
  }
});
