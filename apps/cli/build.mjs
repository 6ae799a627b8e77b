// Bundles the CLI into dist/gitfleet.js, plus the workers it starts: es-git's (dist/worker.js) and
// ai-diff's (dist/ai-diff-worker.js, found by src/hook/generate-message.ts).
// es-git (a native addon), tinypool (which loads its own worker entry) and gpt-tokenizer (its
// encoding tables are megabytes that only a large change needs, required on first use) stay external.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const { version } = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['es-git', 'tinypool', 'gpt-tokenizer'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);" },
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { gitfleet: 'src/main.ts' },
  outdir: 'dist',
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
await chmod('dist/gitfleet.js', 0o755);
