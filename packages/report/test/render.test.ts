import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDataset } from '@gitfleet/dataset';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { generateFleetDataset, type FleetDatasetFacts } from '@gitfleet/test-kit/fleet-dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReportData, CONTENT_SECURITY_POLICY, escapeHtml, jsonForScript, renderReport, writeReport } from '../src/index.js';
import { buildMap } from '../src/languages.js';

let tmp: TempDir;
let facts: FleetDatasetFacts;
let html: string;

beforeAll(async () => {
  tmp = await createTempDir('gitfleet-report-');
  facts = await generateFleetDataset(join(tmp.path, 'data'), { repositories: 5, commits: 1200, hostile: true, failed: 1 });
  html = await renderReport(facts.dir, { generatedTime: 0, title: 'Fleet <b>&</b> "friends"' });
});

afterAll(async () => {
  await tmp?.cleanup();
});

/** The contents of every `<script ...>...</script>` element, as an HTML parser splits them. */
const scripts = (text: string) => [...text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attributes: m[1]!, body: m[2]! }));

describe('the HTML file', () => {
  it('is self-contained: two inline scripts (data and page), no src or stylesheet link, a CSP that allows no load', () => {
    const found = scripts(html);
    expect(found.map((s) => s.attributes.trim())).toEqual(['type="application/json" id="gitfleet-report-data"', '']);
    expect(html).not.toMatch(/<(script|img|iframe|link)[^>]*\s(src|href)=/i);
    expect(html).toContain(`content="${CONTENT_SECURITY_POLICY}"`);
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+';/);
    // The script runs by its hash: the hash in the policy is the page script's.
    const hash = `sha256-${createHash('sha256').update(found[1]!.body).digest('base64')}`;
    expect(CONTENT_SECURITY_POLICY).toContain(`'${hash}'`);
    // The charting library's licence notice travels with it.
    expect(html).toMatch(/<details class="notices">[\s\S]*@observablehq\/plot 0\.6\.17[\s\S]*Copyright 2020-2025 Observable, Inc\./);
  });

  it('keeps hostile data inside the JSON: no </script> or <!-- from the data, the title escaped', async () => {
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain(facts.hostile.author);
    expect(html).not.toContain(facts.hostile.path);
    expect(html).toContain('<title>Fleet &lt;b&gt;&amp;&lt;/b&gt; &quot;friends&quot;</title>');
    const embedded = JSON.parse(scripts(html)[0]!.body);
    const dataset = await openDataset(facts.dir);
    try {
      // What the page reads back is exactly what was collected, hostile strings included.
      expect(embedded).toEqual(await collectReportData(dataset, { generatedTime: 0, title: 'Fleet <b>&</b> "friends"' }));
    } finally {
      await dataset.close();
    }
    expect(embedded.authors.map((a: { name: string }) => a.name)).toContain(facts.hostile.author);
    expect(JSON.stringify(embedded)).toContain(facts.hostile.path);
  });

  it('is the same on every run: the dictionaries do not depend on the order DuckDB returns rows in', async () => {
    const dataset = await openDataset(facts.dir);
    try {
      await dataset.query('SET threads TO 16');
      const first = JSON.stringify(await collectReportData(dataset, { generatedTime: 0 }));
      for (let run = 0; run < 12; run++) expect(JSON.stringify(await collectReportData(dataset, { generatedTime: 0 }))).toBe(first);
    } finally {
      await dataset.close();
    }
  });

  it('escapes for HTML and for script JSON', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const tricky = { s: '</script><!-- \u2028 & >' };
    const text = jsonForScript(tricky);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(tricky);
  });
});

describe('writeReport', () => {
  it('writes the same HTML as renderReport, through a temp file renamed into place', async () => {
    const file = join(tmp.path, 'out', 'report.html');
    await mkdir(join(tmp.path, 'out'));
    const result = await writeReport(facts.dir, file, { generatedTime: 0, title: 'Fleet <b>&</b> "friends"' });
    expect(await readFile(file, 'utf8')).toBe(html);
    expect(result).toMatchObject({ file, bytes: Buffer.byteLength(html), repositories: 5 });
    expect(await readdir(join(tmp.path, 'out'))).toEqual(['report.html']);
  });

  it('reports progress: each query of the dataset as it finishes, then the bytes written', async () => {
    const events: [string, number, number | undefined][] = [];
    const file = join(tmp.path, 'progress.html');
    const result = await writeReport(facts.dir, file, { generatedTime: 0, onProgress: (stage, e) => events.push([stage, e.done, e.total]) });
    const collect = events.filter(([stage]) => stage === 'collect');
    const total = collect[0]![2]!;
    expect(total).toBeGreaterThan(10);
    expect(collect).toEqual(Array.from({ length: total }, (_, i) => ['collect', i + 1, total]));
    const written = events.filter(([stage]) => stage === 'write').map(([, done]) => done);
    expect(written.length).toBeGreaterThan(1);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(written.at(-1)).toBe(result.bytes);
    // Collecting comes first, writing after.
    expect(events.findIndex(([stage]) => stage === 'write')).toBe(total);
  });

  it('fails with GITFLEET_REPORT_IO when the file cannot be written, and leaves nothing behind', async () => {
    const dir = join(tmp.path, 'missing-dir');
    await expect(writeReport(facts.dir, join(dir, 'report.html'))).rejects.toMatchObject({ code: 'GITFLEET_REPORT_IO', message: expect.stringContaining('missing-dir') });
  });

  it('a failure after writing (the path is a directory) removes the temp file', async () => {
    const target = join(tmp.path, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true });
    await expect(writeReport(facts.dir, target)).rejects.toMatchObject({ code: 'GITFLEET_REPORT_IO' });
    expect(await readdir(tmp.path)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    expect(await readdir(target)).toEqual(['inside']);
  });

  it('an aborted report leaves the previous file untouched', async () => {
    const file = join(tmp.path, 'kept.html');
    await writeFile(file, 'previous');
    const controller = new AbortController();
    controller.abort();
    await expect(writeReport(facts.dir, file, { signal: controller.signal })).rejects.toMatchObject({ code: 'GITFLEET_REPORT_ABORTED' });
    expect(await readFile(file, 'utf8')).toBe('previous');
    expect((await readdir(tmp.path)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses bad options and a directory that is not a dataset, with their codes', async () => {
    await expect(renderReport(facts.dir, { threshold: 2 })).rejects.toMatchObject({ code: 'GITFLEET_REPORT_INVALID_OPTION', message: 'threshold must be a number above 0 and at most 1, got 2' });
    await expect(renderReport(facts.dir, { top: 0 })).rejects.toMatchObject({ code: 'GITFLEET_REPORT_INVALID_OPTION' });
    await expect(renderReport(join(tmp.path, 'out'))).rejects.toMatchObject({ code: 'GITFLEET_DATASET_NOT_FOUND' });
  });
});

describe('languages', () => {
  it("prefers the common language for a shared extension, and knows file names (Linguist's data)", async () => {
    const { languageMap } = await import('../src/languages.js');
    const map = await languageMap();
    const name = (kind: string) => map.of(kind)?.name;
    expect([name('.ts'), name('.md'), name('.h'), name('.json'), name('.yml'), name('.rs'), name('.py'), name('Makefile'), name('Dockerfile'), name('.gitignore')]).toEqual([
      'TypeScript', 'Markdown', 'C', 'JSON', 'YAML', 'Rust', 'Python', 'Makefile', 'Dockerfile', 'Ignore List',
    ]);
    expect(map.of('.nosuchthing')).toBeUndefined();
    expect(map.of('.ts')!.color).toMatch(/^#[0-9a-f]{6}$/i);
    // Without a preference, the language whose main extension it is wins.
    expect(buildMap([{ name: 'B', type: 'data', extensions: ['.b2', '.x'] }, { name: 'A', type: 'programming', extensions: ['.x'] }]).of('.x')!.name).toBe('A');
  });
});
