import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitFiles, createEmptyRepo, git, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet } from './ai-helpers.js';

let server: LlmServer;
let repo: TempRepo;

beforeAll(async () => {
  server = await startLlmServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  server.requests.length = 0;
  repo = await createEmptyRepo();
});
afterEach(async () => {
  await repo?.cleanup();
});

async function stageFiles(base: Record<string, string>, staged: Record<string, string>): Promise<void> {
  await commitFiles(repo.path, { 'README.md': '# demo\n', ...base }, { message: 'base' });
  for (const [path, content] of Object.entries(staged)) {
    await mkdir(dirname(join(repo.path, path)), { recursive: true });
    await writeFile(join(repo.path, path), content);
  }
  await git(repo.path, ['add', '-A']);
}

/** `files` modified files under src/, each a few hundred tokens of change: many map parts at a small budget. */
function manyFiles(files: number): { base: Record<string, string>; staged: Record<string, string> } {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < files; i++) {
    const path = `src/mod${String(i % 10)}/file${String(i)}.ts`;
    base[path] = Array.from({ length: 30 }, (_, l) => `export const v${String(l)} = ${String(l)};\n`).join('');
    staged[path] = Array.from({ length: 30 }, (_, l) => `export const v${String(l)} = ${String(l % 3 === 0 ? l * 7 : l)};\n`).join('');
  }
  return { base, staged };
}

interface JsonResult {
  message: string;
  fallback: boolean;
  fallbackReason: string | null;
  mode: string;
}

describe('a provider that is down', () => {
  it('hanging model, 2 s timeout, 200 files: falls back within the timeout plus 2 s, without sending the rest of the map requests', async () => {
    const { base, staged } = manyFiles(200);
    await stageFiles(base, staged);
    server.setHandler(() => ({ hang: true }));
    const started = Date.now();
    const r = await gitfleet(repo.path, ['commit-msg', '--format', 'json'], aiEnv(server, { GITFLEET_AI_TIMEOUT_MS: '2000', GITFLEET_AI_MAX_INPUT_TOKENS: '3000' }));
    const elapsed = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    // The bound is 2 s of timeout + 2 s; the margin covers a loaded machine (it took 27.5 s before).
    expect(elapsed).toBeLessThan(12_000);
    // Only the first wave went out (GITFLEET_AI_CONCURRENCY defaults to 4), and nothing was retried.
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.length).toBeLessThanOrEqual(4);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.fallback).toBe(true);
    expect(result.fallbackReason).toMatch(/no answer from 127\.0\.0\.1:\d+ within 2000 ms/);
    expect(result.mode).toBe('local');
    await expect.poll(() => server.inFlight).toBe(0);
  });

  it('--format json says fallback: true and why; false and null when the model answered', async () => {
    await stageFiles({ 'a.txt': 'a\n' }, { 'a.txt': 'b\n' });
    const local = await gitfleet(repo.path, ['commit-msg', '--format', 'json'], {});
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({ fallback: true, fallbackReason: expect.stringMatching(/no provider configured/) as unknown, mode: 'local' });

    server.setHandler(() => ({ json: { subject: 'Change a' } }));
    const answered = await gitfleet(repo.path, ['commit-msg', '--format', 'json'], aiEnv(server));
    expect(answered.code, answered.stderr).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ message: 'Change a', fallback: false, fallbackReason: null, mode: 'single' });
  });
});

describe('the final request', () => {
  it('lists every file of the change from our own list: skipped files are kept, invented paths dropped', async () => {
    const { base, staged } = manyFiles(12);
    await stageFiles(base, staged);
    const paths = Object.keys(staged);
    const skipped = new Set<string>();
    server.setHandler((request: LlmRequest) => {
      if (request.schemaName === 'file_analysis') {
        const inPart = [...request.user.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]!);
        // The model describes all but the first file of each part, and adds one that does not exist.
        skipped.add(inPart[0]!);
        const files = inPart.slice(1).map((path) => ({ path, summary: `tune ${path}`, impact: 3 }));
        files.push({ path: 'src/invented-by-the-model.ts', summary: 'add a module nobody wrote', impact: 5 });
        return { json: { theme: 'tune constants', files } };
      }
      return { json: { subject: 'Tune the module constants' } };
    });
    const r = await gitfleet(repo.path, ['commit-msg', '--format', 'json'], aiEnv(server, { GITFLEET_AI_MAX_INPUT_TOKENS: '1200' }));
    expect(r.code, r.stderr).toBe(0);
    const final = server.requests.filter((q) => q.schemaName === 'commit_message');
    expect(final).toHaveLength(1);
    expect(skipped.size).toBeGreaterThan(0);
    for (const path of paths) expect(final[0]!.user, path).toContain(path);
    expect(final[0]!.user).not.toContain('invented-by-the-model');
    expect(JSON.parse(r.stdout)).toMatchObject({ fallback: false, mode: 'map-reduce' });
  });
});

describe('generated and vendored files', () => {
  it('.gitattributes (linguist-generated, linguist-vendored, -diff) and a generated header outside the diff keep content out of the model', async () => {
    const idl = (value: string): string =>
      ['// GENERATED CONTENT - DO NOT EDIT', '// Content was automatically extracted by a spec crawler', '', ...Array.from({ length: 40 }, (_, i) => `interface Node${String(i)} { attribute long v${String(i)}; };`), `// ${value}`, ''].join('\n');
    await stageFiles(
      {
        '.gitattributes': 'gen/** linguist-generated\nlib/third/** linguist-vendored\n*.dat -diff\nsrc/api.generated.ts -linguist-generated\n',
        'gen/schema.ts': 'export const schema = 1;\n',
        'lib/third/widget.js': 'module.exports = 1;\n',
        'data/table.dat': 'row 1\n',
        'idl/dom.idl': idl('v1'),
        'src/api.generated.ts': 'export const api = 1;\n',
        'src/app.ts': 'export const app = 1;\n',
      },
      {
        'gen/schema.ts': 'export const schema = "marker-gen-attr";\n',
        'lib/third/widget.js': 'module.exports = "marker-vendored-attr";\n',
        'data/table.dat': 'row marker-nodiff-attr\n',
        'idl/dom.idl': idl('marker-idl-header'),
        'src/api.generated.ts': 'export const api = "marker-handwritten-after-all";\n',
        'src/app.ts': 'export const app = "marker-app";\n',
      },
    );
    server.setHandler(() => ({ json: { subject: 'Update the app' } }));
    const r = await gitfleet(repo.path, ['commit-msg'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    const bodies = server.requests.map((q) => JSON.stringify(q.body)).join('\n');
    for (const marker of ['marker-gen-attr', 'marker-vendored-attr', 'marker-nodiff-attr', 'marker-idl-header']) expect(bodies, marker).not.toContain(marker);
    expect(bodies).toContain('marker-app');
    // -linguist-generated says a file is not generated, whatever its name suggests.
    expect(bodies).toContain('marker-handwritten-after-all');
    expect(r.stderr).toMatch(/^gitfleet: omitted gen\/schema\.ts \(generated\)$/m);
    expect(r.stderr).toMatch(/^gitfleet: omitted lib\/third\/widget\.js \(vendored\)$/m);
    expect(r.stderr).toMatch(/^gitfleet: omitted data\/table\.dat \(binary\)$/m);
    expect(r.stderr).toMatch(/^gitfleet: omitted idl\/dom\.idl \(generated\)$/m);
  });
});
