import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDir } from '@gitfleet/test-kit';
import { describe, expect, it } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const COMMITTED = join(PACKAGE, 'docs', 'api');
const TYPEDOC = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc');
const REGENERATE = 'regenerate it: pnpm build && pnpm --filter @gitfleet/sdk run docs';

async function files(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(root, path), await readFile(path, 'utf8'));
  }
  return out;
}

describe('API reference (docs/api)', () => {
  it(`is what TypeDoc generates from the source today (${REGENERATE})`, async () => {
    await using temp = await createTempDir('gitfleet-sdk-api-');
    await promisify(execFile)(process.execPath, [TYPEDOC, '--out', temp.path, '--logLevel', 'Error'], { cwd: PACKAGE, timeout: 120_000 });
    const [generated, committed] = await Promise.all([files(temp.path), files(COMMITTED)]);
    expect(generated.size).toBeGreaterThan(10);
    expect([...committed.keys()].sort(), `files of docs/api: ${REGENERATE}`).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) expect(committed.get(path), `docs/api/${path} is stale: ${REGENERATE}`).toBe(text);
    // The facade itself is documented, with its examples.
    expect(generated.get('classes/GitFleet.md')).toContain('#### Example');
  }, 180_000);
});
