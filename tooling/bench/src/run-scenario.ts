/**
 * Child runner: one "ours" measurement in a fresh Node process, so peak RSS and
 * event-loop lag belong to that work alone.
 *
 *   node dist/run-scenario.js <history|blame|op|analyze|ownership|exactness> <repo> <json-options>
 *
 * Prints one JSON line: a RunnerResult, or `{ "error": "..." }` (exit code 1).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { analyzeRepository, openRepository, type Repository } from '@gitfleet/git';

export type Scenario = 'history' | 'blame' | 'op' | 'analyze' | 'ownership' | 'exactness';
export type SmallOp = 'branches' | 'files' | 'stagedDiff';

export interface ScenarioOptions {
  engine: 'git' | 'es-git';
  /** false = off; a string = that cache directory. */
  cache: false | string;
  files?: boolean;
  maxCount?: number;
  /** blame, exactness: paths to blame (default every file at HEAD). */
  paths?: string[];
  /** op: which small operation, and how many timed calls after the warm-up call. */
  op?: SmallOp;
  calls?: number;
  /** history: the `shard` option (default: automatic). */
  shard?: boolean | { size?: number; concurrency?: number };
  /** ownership: the revision (default HEAD). */
  rev?: string;
  /** analyze: how lines are attributed (default: the one-pass walk). */
  ownership?: 'walk' | 'blame';
}

export interface RunnerResult {
  /** history/blame: open + full stream + close. op: median of the timed calls. */
  wallMs: number;
  /** Commits, blamed files, the last op call's result size, or analyze's blamed lines. */
  items: number;
  lagP99Ms: number;
  lagMaxMs: number;
  maxRssMB: number;
  /** blame: files that came back with an error (binary files are expected ones); analyze: files skipped. */
  errors?: number;
  /** op: openRepository + the first (warm-up) call, which includes any worker start-up. */
  firstCallMs?: number;
  /** ownership: the walk's figures (commits replayed, files left to git blame, peak states...). */
  walk?: unknown;
  /** exactness: lines and per-author totals of the walk against git blame's. */
  exactness?: Exactness;
}

export interface Exactness {
  files: number;
  lines: number;
  /** Lines whose commit differs from git blame's. */
  differingLines: number;
  /** Sum over authors of |walk lines - blame lines|, halved (lines counted under another author). */
  authorLinesMoved: number;
  /** Files attributed differently, with their differing line counts (at most 20). */
  worstFiles: [string, number][];
  blameMs: number;
  ownershipMs: number;
}

/** The walk's per-line commits against `repo.blame()` (git blame) for every file at HEAD (or `paths`). */
async function exactness(repo: Repository, paths?: string[]): Promise<Exactness> {
  let t = performance.now();
  const own = await repo.ownership({ lineCommits: true, ...(paths ? { paths } : {}) });
  const ownershipMs = performance.now() - t;
  const commits = new Map(own.byFile.map((f) => [f.path, f.commits ?? []]));
  const ownAuthors = new Map(own.authors.map((a) => [a.email.toLowerCase(), a.lines]));
  const blameAuthors = new Map<string, number>();
  let lines = 0;
  let differing = 0;
  let files = 0;
  const worst: [string, number][] = [];
  t = performance.now();
  for await (const file of repo.blame(paths ? { paths } : {})) {
    if (file.error) continue;
    files++;
    const ours = commits.get(file.path) ?? [];
    let d = Math.abs(ours.length - file.lines.length);
    file.lines.forEach((line, i) => {
      if (ours[i] !== undefined && ours[i] !== line.commit) d++;
      const key = line.authorEmail.toLowerCase();
      blameAuthors.set(key, (blameAuthors.get(key) ?? 0) + 1);
    });
    lines += file.lines.length;
    differing += d;
    if (d > 0) worst.push([file.path, d]);
  }
  const blameMs = performance.now() - t;
  let moved = 0;
  for (const key of new Set([...ownAuthors.keys(), ...blameAuthors.keys()])) moved += Math.abs((ownAuthors.get(key) ?? 0) - (blameAuthors.get(key) ?? 0));
  worst.sort((a, b) => b[1] - a[1]);
  return { files, lines, differingLines: differing, authorLinesMoved: moved / 2, worstFiles: worst.slice(0, 20), blameMs, ownershipMs };
}

async function runOp(repo: Repository, op: SmallOp): Promise<number> {
  if (op === 'branches') return (await repo.branches()).length;
  if (op === 'files') return (await repo.files(['**/*.txt'])).length;
  return (await repo.stagedDiff()).files.length;
}

async function measure(scenario: Scenario, path: string, options: ScenarioOptions): Promise<RunnerResult> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const repo = await openRepository(path, { engine: options.engine, cache: options.cache });
  let items = 0;
  let errors = 0;
  let wallMs: number | undefined;
  let firstCallMs: number | undefined;
  let walk: unknown;
  let exact: Exactness | undefined;
  try {
    if (scenario === 'history') {
      const history = repo.history({
        files: options.files ?? false,
        all: false,
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
        ...(options.shard === undefined ? {} : { shard: options.shard }),
      });
      for await (const commit of history) if (commit.sha) items++;
    } else if (scenario === 'ownership') {
      const own = await repo.ownership(options.rev === undefined ? {} : { rev: options.rev });
      items = own.totalLines;
      errors = own.errors.length;
      walk = own.walk;
    } else if (scenario === 'exactness') {
      exact = await exactness(repo, options.paths);
      items = exact.lines;
    } else if (scenario === 'analyze') {
      const report = await analyzeRepository(repo, options.ownership === undefined ? {} : { ownership: options.ownership });
      items = report.ownership.totalLines;
      errors = report.ownership.skipped.length;
    } else if (scenario === 'blame') {
      for await (const file of repo.blame(options.paths ? { paths: options.paths } : {})) {
        items++;
        if (file.error) errors++;
      }
    } else {
      const op = options.op ?? 'branches';
      await runOp(repo, op);
      firstCallMs = performance.now() - start;
      const times: number[] = [];
      for (let i = 0; i < (options.calls ?? 20); i++) {
        const t = performance.now();
        items = await runOp(repo, op);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const mid = times.length >> 1;
      wallMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
    }
  } finally {
    await repo.close();
  }
  wallMs ??= performance.now() - start;
  lag.disable();
  return {
    wallMs,
    items,
    lagP99Ms: lag.percentile(99) / 1e6,
    lagMaxMs: lag.max / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    ...(scenario === 'blame' || scenario === 'analyze' || scenario === 'ownership' ? { errors } : {}),
    ...(firstCallMs === undefined ? {} : { firstCallMs }),
    ...(walk === undefined ? {} : { walk }),
    ...(exact === undefined ? {} : { exactness: exact }),
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
  return text.split('\n')[0]!.slice(0, 300);
}

const [scenario, path, json = '{}'] = process.argv.slice(2);
// Exit explicitly: a misbehaving engine must not keep the child alive after printing.
const print = (value: unknown, code: number): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`, () => process.exit(code));
};
if (!['history', 'blame', 'op', 'analyze', 'ownership', 'exactness'].includes(scenario ?? '') || !path) {
  print({ error: 'usage: run-scenario.js <history|blame|op|analyze|ownership|exactness> <repo> <json-options>' }, 2);
} else {
  measure(scenario as Scenario, path, JSON.parse(json) as ScenarioOptions).then(
    (result) => print(result, 0),
    (error: unknown) => print({ error: describeError(error) }, 1),
  );
}
