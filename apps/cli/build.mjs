// Bundles the CLI into dist/gitfleet.js, plus the workers it starts: es-git's (dist/worker.js),
// ai-diff's (dist/ai-diff-worker.js, found by src/hook/generate-message.ts), mine's git helper
// process (dist/git-worker.js) and the ownership walk's thread (dist/ownership-worker.js).
// es-git and @duckdb/node-api (native addons), tinypool (which loads its own worker entry) and
// gpt-tokenizer (its encoding tables are megabytes that only a large change needs, required on
// first use) stay external.
// The licences of the code inlined into the bundles go to dist/THIRD-PARTY-NOTICES.txt, written by
// @rnx-kit/third-party-notices from the bundles' source maps; the maps are not shipped.
import { writeThirdPartyNotices } from '@rnx-kit/third-party-notices';
import { build } from 'esbuild';
import { appendFile, chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const { version } = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['es-git', 'tinypool', '@duckdb/node-api', 'gpt-tokenizer'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);" },
  legalComments: 'none',
  sourcemap: 'external',
  define: { __VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
};

// Split: what only some commands need (the queue's BullMQ and ioredis, Arrow, mine, the report)
// sits in chunks loaded by import() when such a command runs, so every start parses less. The
// chunks stay beside gitfleet.js: code in them finds the workers next to itself (import.meta.url).
await rm('dist', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { gitfleet: 'src/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: '[name]-[hash]',
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
await build({
  ...common,
  entryPoints: { worker: fileURLToPath(import.meta.resolve('@gitfleet/git/es-git-worker')) },
  outdir: 'dist',
});
await build({
  ...common,
  entryPoints: { 'ai-diff-worker': fileURLToPath(import.meta.resolve('@gitfleet/ai-diff/worker')) },
  outdir: 'dist',
});
// The git helper process of `gitfleet mine` (@gitfleet/mine finds it beside the bundle).
await build({
  ...common,
  entryPoints: { 'git-worker': fileURLToPath(import.meta.resolve('@gitfleet/mine/git-worker')) },
  outdir: 'dist',
});
// The ownership walk's worker thread (@gitfleet/git finds it beside the chunk that starts it).
await build({
  ...common,
  entryPoints: { 'ownership-worker': fileURLToPath(import.meta.resolve('@gitfleet/git/ownership-worker')) },
  outdir: 'dist',
});
await chmod('dist/gitfleet.js', 0o755);

const maps = (await readdir('dist')).filter((f) => f.endsWith('.js.map')).map((f) => `dist/${f}`);
const sections = await Promise.all(maps.map(async (file) => ({ map: JSON.parse(await readFile(file, 'utf8')) })));
await writeFile('dist/bundles.map', JSON.stringify({ version: 3, sections }));
await writeThirdPartyNotices({
  rootPath: fileURLToPath(new URL('./dist', import.meta.url)),
  sourceMapFile: 'dist/bundles.map',
  outputFile: 'dist/THIRD-PARTY-NOTICES.txt',
  json: false,
  preambleText: [
    'gitfleet (MIT, see LICENSE) bundles code from the packages below into dist/*.js.',
    'Their licences require these notices to travel with it.',
    '',
  ],
});
await Promise.all([...maps, 'dist/bundles.map'].map((file) => rm(file)));
// @gitfleet/report carries the report page (Observable Plot and the d3 modules it uses, a string
// that every HTML report inlines) and Linguist's languages, built in when it was built: their notices.
const { thirdPartyNotices } = await import('@gitfleet/report');
await appendFile('dist/THIRD-PARTY-NOTICES.txt', `\n\n${'='.repeat(72)}\n\nBuilt into @gitfleet/report (the HTML report page, inlined into every report gitfleet writes; Linguist's languages):\n\n${thirdPartyNotices}\n`);
