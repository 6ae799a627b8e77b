import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, realpath, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDatasetWriter } from '@gitfleet/dataset';
import { createTempDir, createTrickyRepo, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string; directory?: string };
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

async function workspacePackages(): Promise<{ dir: string; manifest: Manifest }[]> {
  const dirs = ['test'];
  for (const group of ['packages', 'apps', 'tooling']) for (const name of await readdir(join(ROOT, group))) dirs.push(`${group}/${name}`);
  return Promise.all(dirs.map(async (dir) => ({ dir, manifest: JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest })));
}

/** `pnpm pack` into `dest`; returns the tarball's file list (paths inside `package/`). */
async function pack(dir: string, dest: string): Promise<{ tarball: string; files: string[] }> {
  const before = new Set(await readdir(dest));
  await run('pnpm', ['pack', '--pack-destination', dest], { cwd: join(ROOT, dir) });
  const tarball = join(dest, (await readdir(dest)).find((f) => !before.has(f))!);
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return { tarball, files: stdout.trim().split('\n').map((f) => f.replace(/^package\//, '')) };
}

let tmp: TempDir;
let tricky: TrickyRepo;
beforeAll(async () => {
  [tmp, tricky] = await Promise.all([createTempDir('gitfleet-pack-'), createTrickyRepo()]);
});
afterAll(async () => {
  await Promise.all([tmp?.cleanup(), tricky?.cleanup()]);
});

describe('licensing and package metadata', () => {
  it('every package has the MIT LICENSE of the root and a repository field naming its directory', async () => {
    const license = await readFile(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    for (const { dir, manifest } of await workspacePackages()) {
      expect(manifest.license, dir).toBe('MIT');
      expect(manifest.repository, dir).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: dir });
      expect(await readFile(join(ROOT, dir, 'LICENSE'), 'utf8'), dir).toBe(license);
    }
  });

  it('published packages ship their licence, and every source map ships with the sources it names', async () => {
    const published = (await workspacePackages()).filter((p) => !p.manifest.private);
    expect(published.map((p) => p.dir).sort()).toEqual(['apps/cli', 'apps/sdk', 'packages/ai-diff', 'packages/cache', 'packages/dataset', 'packages/git', 'packages/mine', 'packages/providers', 'packages/session', 'packages/tokens']);
    for (const { dir } of published) {
      const dest = join(tmp.path, dir.replace('/', '-'));
      await mkdir(dest, { recursive: true });
      const { tarball, files } = await pack(dir, dest);
      expect(files, dir).toContain('LICENSE');
      const inside = new Set(files);
      for (const map of files.filter((f) => f.endsWith('.map'))) {
        const { stdout } = await run('tar', ['-xzOf', tarball, `package/${map}`], { maxBuffer: 64 << 20 });
        for (const source of (JSON.parse(stdout) as { sources: string[] }).sources) {
          expect(inside.has(posix.normalize(posix.join(posix.dirname(map), source))), `${dir}: ${map} -> ${source}`).toBe(true);
        }
      }
    }
  });

  it('the CLI tarball carries the third-party notices of the code bundled into it, and no source maps', async () => {
    const dest = join(tmp.path, 'cli-notices');
    await mkdir(dest);
    const { tarball, files } = await pack('apps/cli', dest);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files).toContain('dist/THIRD-PARTY-NOTICES.txt');
    const { stdout: notices } = await run('tar', ['-xzOf', tarball, 'package/dist/THIRD-PARTY-NOTICES.txt'], { maxBuffer: 16 << 20 });
    // A sample of what each bundle inlines: the CLI (commander, cli-table3, octokit, undici, zod),
    // the es-git worker (picomatch) and the ai-diff worker (secretlint's rules).
    for (const name of ['commander', 'cli-table3', '@octokit/core', 'undici', 'zod', 'picomatch', '@secretlint/core']) {
      expect(notices, name).toMatch(new RegExp(`^${name.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+$`, 'm'));
    }
    expect(notices).toContain('Permission is hereby granted');
  });
});

describe('git fleet', () => {
  it('runs as a git subcommand after a global install (the git-fleet bin)', async () => {
    // A global install as npm lays it out: the package under lib/node_modules, its dependencies
    // beside it, and a link in bin/ for every entry of package.json "bin".
    const prefix = join(tmp.path, 'global');
    const pkgDir = join(prefix, 'lib/node_modules/@gitfleet/cli');
    await mkdir(pkgDir, { recursive: true });
    const { tarball } = await pack('apps/cli', await mkdirp(join(tmp.path, 'cli-global')));
    await run('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
    const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Manifest;
    await mkdir(join(pkgDir, 'node_modules'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      await mkdir(dirname(join(pkgDir, 'node_modules', dep)), { recursive: true }); // scoped: node_modules/@duckdb/
      await symlink(await realpath(join(ROOT, 'apps/cli/node_modules', dep)), join(pkgDir, 'node_modules', dep));
    }
    await mkdir(join(prefix, 'bin'));
    for (const [name, target] of Object.entries(manifest.bin ?? {})) await symlink(join(pkgDir, target), join(prefix, 'bin', name));

    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, CI: 'true' };
    const version = await run('git', ['fleet', '--version'], { env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const commits = await run('git', ['fleet', 'commits', tricky.path, '-n', '1', '--format', 'ndjson'], { env });
    const head = (await run('git', ['-C', tricky.path, 'rev-parse', 'HEAD'])).stdout.trim();
    expect((JSON.parse(commits.stdout) as { sha: string }).sha).toBe(head);
    // The native DuckDB addon (external to the bundle) loads from the installed dependencies.
    const data = join(tmp.path, 'dataset');
    const writer = await openDatasetWriter(data);
    await writer.writeRepository('acme/app', {});
    await writer.close();
    const query = await run('git', ['fleet', 'query', '--data', data, 'SELECT count(*) AS n FROM repositories', '--format', 'ndjson'], { env });
    expect(JSON.parse(query.stdout)).toEqual({ n: 1 });
  });
});

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
