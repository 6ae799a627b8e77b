import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { RepoLocation, TempRepo } from './create-empty-repo.js';
import { targetDir } from './create-temp-dir.js';
import { git, gitEnv, gitText } from './git.js';
import { mulberry32, randomInt } from './mulberry32.js';

/** Options for {@link generateLargeRepo}. */
export interface LargeRepoOptions extends RepoLocation {
  /** Total number of commits (side-branch commits and merges included). */
  commits: number;
  /** Number of tracked files at the end (including `files / 100`, at most 10, binary files). */
  files: number;
  /** Number of distinct authors (default 5). */
  authors?: number;
  /** Merge a 2-3 commit side branch roughly every N commits (default 200, 0 = never). */
  mergeEvery?: number;
  /** Rename a file (with a small edit) every N commits (default 500, 0 = never). */
  renameEvery?: number;
  /** Modify a binary file every N commits (default 1000, 0 = never). */
  binaryEvery?: number;
  /** PRNG seed; the same options give the same shas (default 1). */
  seed?: number;
  /** Initial lines per text file (default 40). */
  linesPerFile?: number;
}

/** A repository made by {@link generateLargeRepo}. */
export interface LargeRepo extends TempRepo {
  /** Commits reachable from `main` (= `options.commits`). */
  commitCount: number;
  /** Files tracked at HEAD (= `options.files`). */
  fileCount: number;
  /** Commit of `main`. */
  head: string;
}

const WORDS = (
  'able acid aged also area army away baby back ball band bank base bath bear beat bell best bird blow blue boat ' +
  'body bone book boot born boss both bowl burn bush busy cake call calm came camp card care case cash cast cell'
).split(' ');

const ZONES = ['-0800', '-0330', '+0000', '+0530', '+0900', '+1345', '+0100', '-0500', '+1000', '-0300'];
const FIRST_NAMES = ['Ada', 'Boris', 'Chen', 'Dana', 'Eitan', 'Fatima', 'Goro', 'Hana', 'Ivan', 'Jomo'];

/**
 * fast-import allocates and frees zlib state for every object; without this,
 * glibc keeps returning that memory to the kernel and ~20% of the time goes to
 * page faults. Ignored by other C libraries.
 */
const MALLOC_TUNABLES = 'glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432';

interface TextFile {
  path: string;
  lines: string[];
  renames: number;
}

interface Author {
  ident: string;
  tz: string;
}

/** Buffers fast-import input and writes it to the child in chunks, honouring backpressure. */
class StreamWriter {
  private chunks: Buffer[] = [];
  private texts: string[] = [];
  private size = 0;

  constructor(
    private readonly stream: Writable,
    private readonly exited: Promise<unknown>,
  ) {}

  text(chunk: string): void {
    this.texts.push(chunk);
    this.size += chunk.length;
  }

  /** `data` command with the exact byte length, then the payload. */
  data(payload: string | Buffer): void {
    if (typeof payload === 'string') {
      this.text(`data ${Buffer.byteLength(payload)}\n${payload}\n`);
      return;
    }
    this.text(`data ${payload.length}\n`);
    this.sealText();
    this.chunks.push(Buffer.from(payload));
    this.size += payload.length;
    this.text('\n');
  }

  /** Writes buffered input once 64 KiB have accumulated (or always, with `force`). */
  async flush(force = false): Promise<void> {
    if (this.size < 1 << 16 && !force) return;
    this.sealText();
    const chunk = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.exited]);
  }

  private sealText(): void {
    if (this.texts.length === 0) return;
    this.chunks.push(Buffer.from(this.texts.join('')));
    this.texts = [];
  }
}

/**
 * Generates a large, deterministic history quickly by streaming commands to
 * `git fast-import`: text files in nested directories edited a few lines at a
 * time by several authors in different time zones, periodic `--no-ff`-style
 * merges of short side branches, renames with small edits and binary
 * changes. The work tree of `main` is checked out at the end.
 *
 * @example
 * await using repo = await generateLargeRepo({ commits: 20_000, files: 1_000, seed: 7 });
 * await gitText(repo.path, ['rev-list', '--count', 'HEAD']); // '20000\n'
 */
export async function generateLargeRepo(options: LargeRepoOptions): Promise<LargeRepo> {
  const { commits, files } = options;
  for (const [name, value] of Object.entries({ commits, files })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  }

  const dir = await targetDir(options.dir, 'gitfleet-large-');
  try {
    await git(dir.path, ['init', '--quiet', '--initial-branch=main']);
    await runFastImport(dir.path, options);
    await git(dir.path, ['reset', '--quiet', '--hard', 'main']);
    const head = (await gitText(dir.path, ['rev-parse', 'HEAD'])).trim();
    return { ...dir, commitCount: commits, fileCount: files, head };
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
}

async function runFastImport(repo: string, options: LargeRepoOptions): Promise<void> {
  const child: ChildProcessByStdio<Writable, null, Readable> = spawn(
    'git',
    // zlib level 1: ~15% faster than the default, and any level is a valid pack.
    ['-c', 'core.compression=1', 'fast-import', '--quiet', '--done'],
    { cwd: repo, env: gitEnv({ GLIBC_TUNABLES: MALLOC_TUNABLES }), stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => undefined); // reported through the exit code below
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });

  const out = new StreamWriter(child.stdin, exited);
  try {
    await writeHistory(out, options);
  } finally {
    await out.flush(true);
    child.stdin.end();
  }
  const code = await exited;
  if (code !== 0) {
    throw new Error(`git fast-import failed (exit code ${String(code)}): ${Buffer.concat(stderr).toString('utf8')}`);
  }
}

/** Emits the whole history as fast-import commands. */
async function writeHistory(out: StreamWriter, options: LargeRepoOptions): Promise<void> {
  const random = mulberry32(options.seed ?? 1);
  const linesPerFile = options.linesPerFile ?? 40;
  const mergeEvery = options.mergeEvery ?? 200;
  const renameEvery = options.renameEvery ?? 500;
  const binaryEvery = options.binaryEvery ?? 1000;

  let lineCounter = 0;
  const makeLine = (): string => {
    const count = randomInt(random, 3, 8);
    const words = Array.from({ length: count }, () => WORDS[randomInt(random, 0, WORDS.length - 1)]);
    return `${words.join(' ')} ${++lineCounter}`;
  };

  // Initial content: text files spread over src/modNN/, a few binaries under assets/.
  const binaryCount = Math.min(10, Math.floor(options.files / 100));
  const textCount = options.files - binaryCount;
  const dirCount = Math.max(1, Math.ceil(textCount / 50));
  const dirName = (n: number): string => `src/mod${String(n % dirCount).padStart(2, '0')}`;
  const text: TextFile[] = Array.from({ length: textCount }, (_, i) => ({
    path: `${dirName(i)}/file${String(i).padStart(4, '0')}.txt`,
    lines: Array.from({ length: linesPerFile }, makeLine),
    renames: 0,
  }));
  const binaries = Array.from({ length: binaryCount }, (_, i) => ({
    path: `assets/blob${String(i).padStart(2, '0')}.bin`,
    data: Buffer.from(Array.from({ length: 2048 }, (_, j) => (j % 7 === 0 ? 0 : randomInt(random, 0, 255)))),
  }));

  const authors: Author[] = Array.from({ length: Math.max(1, options.authors ?? 5) }, (_, i) => {
    const first = FIRST_NAMES[i % FIRST_NAMES.length] ?? 'Dev';
    const suffix = i < FIRST_NAMES.length ? '' : ` ${Math.floor(i / FIRST_NAMES.length)}`;
    const ident = `${first} Example${suffix} <${first.toLowerCase()}${i}@example.com>`;
    return { ident, tz: ZONES[i % ZONES.length] ?? '+0000' };
  });

  let time = 1_500_000_000;
  let mark = 0;
  let mainTip = 0;

  /** Writes a commit header; returns its mark. `from`/`merge` are marks (0 = none). */
  const header = (message: string, from: number, merge = 0): number => {
    const author = authors[randomInt(random, 0, authors.length - 1)]!;
    time += randomInt(random, 30, 3600);
    mark += 1;
    out.text(`commit refs/heads/main\nmark :${mark}\n`);
    out.text(`author ${author.ident} ${time} ${author.tz}\ncommitter ${author.ident} ${time} ${author.tz}\n`);
    out.data(message);
    if (from > 0) out.text(`from :${from}\n`);
    if (merge > 0) out.text(`merge :${merge}\n`);
    return mark;
  };
  const put = (path: string, content: string | Buffer): void => {
    out.text(`M 100644 inline ${path}\n`);
    out.data(content);
  };
  const putText = (file: TextFile, lines = file.lines): void => put(file.path, `${lines.join('\n')}\n`);

  /** Changes, inserts or deletes a few lines, keeping sizes near `linesPerFile`. */
  const edit = (lines: string[]): void => {
    for (let op = randomInt(random, 1, 3); op > 0; op--) {
      const at = randomInt(random, 0, lines.length - 1);
      const roll = random();
      if (roll < 0.25 && lines.length < linesPerFile * 2) lines.splice(at, 0, makeLine());
      else if (roll < 0.5 && lines.length > linesPerFile / 2) lines.splice(at, 1);
      else lines[at] = makeLine();
    }
  };
  /**
   * Picks up to `count` distinct text files, optionally only odd or even
   * indices. Like real commits, most files come from one directory (files
   * `i` and `i + dirCount` share one), which also keeps fast-import fast: its
   * cost is dominated by the number of tree objects written per commit.
   */
  const pick = (count: number, parity?: 0 | 1): number[] => {
    const chosen = new Set<number>();
    let last = -1;
    for (let tries = 0; chosen.size < count && tries < count * 20; tries++) {
      const sameDir = last >= 0 && random() < 0.8;
      const i = sameDir
        ? (last + dirCount * randomInt(random, -3, 3) + text.length) % text.length
        : randomInt(random, 0, text.length - 1);
      if (parity !== undefined && i % 2 !== parity && text.length > 1) continue;
      chosen.add(i);
      last = i;
    }
    return [...chosen];
  };

  // Commit 1: everything.
  mainTip = header('Initial import\n', 0);
  for (const file of text) putText(file);
  for (const bin of binaries) put(bin.path, bin.data);

  let nextMerge = mergeEvery;
  let nextRename = renameEvery;
  let nextBinary = binaryEvery;
  while (mark < options.commits) {
    const remaining = options.commits - mark;
    if (mergeEvery > 0 && mark >= nextMerge && remaining >= 5 && text.length >= 2) {
      nextMerge += mergeEvery;
      // Side branch edits even-numbered files, main edits odd ones, so the merge is clean.
      const branch = `topic/${mark}`;
      const side = new Map<number, string[]>();
      let sideTip = mainTip;
      for (let n = randomInt(random, 2, Math.min(3, remaining - 2)); n > 0; n--) {
        const touched = pick(randomInt(random, 1, 3), 0);
        sideTip = header(`Work on ${branch}\n`, sideTip);
        for (const i of touched) {
          const lines = side.get(i) ?? [...text[i]!.lines];
          edit(lines);
          side.set(i, lines);
          putText(text[i]!, lines);
        }
      }
      mainTip = header('Meanwhile on main\n', mainTip);
      for (const i of pick(randomInt(random, 1, 2), 1)) {
        edit(text[i]!.lines);
        putText(text[i]!);
      }
      mainTip = header(`Merge branch '${branch}'\n`, mainTip, sideTip);
      for (const [i, lines] of side) {
        text[i]!.lines = lines;
        putText(text[i]!);
      }
    } else if (renameEvery > 0 && mark >= nextRename) {
      nextRename += renameEvery;
      const file = text[randomInt(random, 0, text.length - 1)]!;
      const from = file.path;
      file.renames += 1;
      file.path = from.replace(/^src\/mod\d+\/(file\d+)(?:-v\d+)?\.txt$/, (_, name: string) =>
        `${dirName(randomInt(random, 0, dirCount - 1))}/${name}-v${file.renames + 1}.txt`,
      );
      mainTip = header(`Move ${from} to ${file.path}\n`, mainTip);
      out.text(`R ${from} ${file.path}\n`);
      file.lines[randomInt(random, 0, file.lines.length - 1)] = makeLine();
      putText(file);
    } else if (binaryEvery > 0 && mark >= nextBinary && binaries.length > 0) {
      nextBinary += binaryEvery;
      const bin = binaries[randomInt(random, 0, binaries.length - 1)]!;
      for (let n = 0; n < 16; n++) bin.data[randomInt(random, 0, bin.data.length - 1)] = randomInt(random, 1, 255);
      mainTip = header(`Update ${bin.path}\n`, mainTip);
      put(bin.path, bin.data);
    } else {
      const touched = pick(randomInt(random, 1, 5));
      const first = text[touched[0]!]!.path;
      const body = touched.length > 1 ? `\nTouches ${touched.length} files.\n` : '';
      mainTip = header(`Update ${first.slice(first.lastIndexOf('/') + 1)}\n${body}`, mainTip);
      for (const i of touched) {
        edit(text[i]!.lines);
        putText(text[i]!);
      }
    }
    await out.flush();
  }
  out.text('done\n');
}
