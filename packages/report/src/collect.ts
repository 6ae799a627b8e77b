import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Dataset, DatasetRow } from '@gitfleet/dataset';
import { throwIfAborted } from './errors.js';
import { languageMap, type LanguageMap } from './languages.js';
import { resolveOptions, type ReportOptions, type ResolvedReportOptions } from './options.js';
import {
  REPORT_DATA_VERSION,
  type ActivitySeries,
  type AuthorAmount,
  type AuthorEntry,
  type ErrorEntry,
  type FleetAuthor,
  type Hotspot,
  type LanguageAmount,
  type LanguageEntry,
  type MonthSeries,
  type RecentCommit,
  type ReportData,
  type RepositorySection,
} from './report-data.js';
import * as SQL from './sql.js';

const num = (value: unknown): number => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : 0);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));
const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Only http(s) pages become links: a `javascript:` or `data:` URL from the data must never reach an href. */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Dense counts from `start` to the last month, from sorted (month, count) lists. */
function monthSeries(months: readonly unknown[] | null | undefined, counts: readonly unknown[] | null | undefined): MonthSeries {
  if (!months || months.length === 0) return { start: 0, counts: [] };
  const start = num(months[0]);
  const out = new Array<number>(num(months[months.length - 1]) - start + 1).fill(0);
  months.forEach((m, i) => (out[num(m) - start] = num(counts?.[i])));
  return { start, counts: out };
}

function heatmap(cells: readonly unknown[] | null | undefined, counts: readonly unknown[] | null | undefined): number[] {
  const out = new Array<number>(168).fill(0);
  cells?.forEach((cell, i) => (out[num(cell)] = num(counts?.[i])));
  return out;
}

/** Builds the dictionaries (authors, languages) that the per-repository tuples index. */
class Dictionaries {
  readonly authors: AuthorEntry[] = [];
  readonly languages: LanguageEntry[] = [];
  private readonly authorIndex = new Map<string, number>();
  private readonly languageIndex = new Map<string, number>();

  constructor(private readonly map: LanguageMap) {}

  author(row: DatasetRow, key = 'author'): number {
    const id = str(row[key]);
    let index = this.authorIndex.get(id);
    if (index === undefined) {
      index = this.authors.push({ name: str(row['name']), email: str(row['email']), bot: row['is_bot'] === true }) - 1;
      this.authorIndex.set(id, index);
    }
    return index;
  }

  /** The language of a path kind; unknown extensions stand for themselves, unknown names are "(no extension)". */
  language(kind: string): number {
    const known = this.map.of(kind);
    const name = known?.name ?? (kind.startsWith('.') ? kind : '(no extension)');
    let index = this.languageIndex.get(name);
    if (index === undefined) {
      index = this.languages.push({ name, color: known?.color ?? null, kinds: [] }) - 1;
      this.languageIndex.set(name, index);
    }
    const entry = this.languages[index]!;
    if (!entry.kinds.includes(kind) && entry.kinds.length < 12) entry.kinds.push(kind);
    return index;
  }
}

/** Run `tasks` at most `lanes` at a time; results in order. */
async function inLanes<T>(tasks: readonly (() => Promise<T>)[], lanes: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** Groups rows by their `repository` column. */
function byRepository(rows: readonly DatasetRow[]): Map<string, DatasetRow[]> {
  const out = new Map<string, DatasetRow[]>();
  for (const row of rows) {
    const key = str(row['repository']);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}

/** Amounts per language, most first: the first `top`, then the rest summed in the last entry (`other`). */
function languageAmounts(rows: readonly DatasetRow[], dictionaries: Dictionaries, top: number, other: () => number): LanguageAmount[] {
  const sums = new Map<number, [number, number]>();
  for (const row of rows) {
    const language = dictionaries.language(str(row['kind']));
    const sum = sums.get(language) ?? [0, 0];
    sum[0] += num(row['amount']);
    sum[1] += num(row['files']);
    sums.set(language, sum);
  }
  const sorted = [...sums].map(([language, [amount, files]]): LanguageAmount => [language, amount, files]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  if (sorted.length <= top) return sorted;
  const rest = sorted.slice(top);
  return [...sorted.slice(0, top), [other(), rest.reduce((s, r) => s + r[1], 0), rest.reduce((s, r) => s + r[2], 0)]];
}

function activitySeries(rows: readonly DatasetRow[] | undefined, withMerged: boolean): ActivitySeries | null {
  if (!rows || rows.length === 0) return null;
  const months = rows.filter((r) => r['kind'] !== 'total' && r['kind'] !== 'open').map((r) => num(r['month']));
  const start = months.length ? Math.min(...months) : 0;
  const length = months.length ? Math.max(...months) - start + 1 : 0;
  const series: ActivitySeries = { start, opened: new Array<number>(length).fill(0), closed: new Array<number>(length).fill(0), total: 0, open: 0 };
  if (withMerged) series.merged = new Array<number>(length).fill(0);
  for (const row of rows) {
    const kind = row['kind'];
    const n = num(row['n']);
    if (kind === 'total') series.total += n;
    else if (kind === 'open') series.open += n;
    else {
      const list = kind === 'opened' ? series.opened : kind === 'closed' ? series.closed : series.merged;
      if (list) list[num(row['month']) - start]! += n;
    }
  }
  return series;
}

/** Element-wise sum of activity series (the fleet's from its repositories'). */
function sumActivity(list: readonly (ActivitySeries | null)[]): ActivitySeries | null {
  const present = list.filter((s): s is ActivitySeries => s !== null);
  if (present.length === 0) return null;
  const starts = present.filter((s) => s.opened.length > 0);
  const start = starts.length ? Math.min(...starts.map((s) => s.start)) : 0;
  const end = starts.length ? Math.max(...starts.map((s) => s.start + s.opened.length)) : 0;
  const out: ActivitySeries = { start, opened: new Array<number>(end - start).fill(0), closed: new Array<number>(end - start).fill(0), total: 0, open: 0 };
  if (present.some((s) => s.merged)) out.merged = new Array<number>(end - start).fill(0);
  for (const s of present) {
    out.total += s.total;
    out.open += s.open;
    for (let i = 0; i < s.opened.length; i++) {
      out.opened[s.start - start + i]! += s.opened[i]!;
      out.closed[s.start - start + i]! += s.closed[i]!;
      if (s.merged && out.merged) out.merged[s.start - start + i]! += s.merged[i]!;
    }
  }
  return out;
}

function errorEntry(row: DatasetRow): ErrorEntry {
  return { repository: str(row['repository']), phase: str(row['phase']), message: str(row['message']), code: strOrNull(row['code']), time: numOrNull(row['time']) };
}

/**
 * Aggregate a dataset into what its report shows: a dozen SQL queries (run by DuckDB, off the
 * event loop), each grouped by repository, assembled into `ReportData`.
 *
 * @example
 * const dataset = await openDataset('data');
 * const data = await collectReportData(dataset, { top: 10 });
 * console.log(data.totals.commits, data.repositories.map((r) => [r.name, r.stats.busFactor]));
 */
export async function collectReportData(dataset: Dataset, options: ReportOptions = {}): Promise<ReportData> {
  const o = resolveOptions(options);
  return collect(dataset, o);
}

/** @internal */
export async function collect(dataset: Dataset, o: ResolvedReportOptions): Promise<ReportData> {
  throwIfAborted(o.signal);
  // The queries run at once and each listens for the abort: on a signal of our own, linked to the
  // caller's, so that the caller's is not charged with a dozen listeners.
  const linked = new AbortController();
  setMaxListeners(32, linked.signal);
  const forward = (): void => linked.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', forward, { once: true });
  try {
    return await collectWith(dataset, o, o.signal ? linked.signal : undefined);
  } finally {
    o.signal?.removeEventListener('abort', forward);
  }
}

async function collectWith(dataset: Dataset, o: ResolvedReportOptions, signal: AbortSignal | undefined): Promise<ReportData> {
  const bots = { include_bots: o.includeBots };
  const q = (sql: string, params: Record<string, unknown> = {}): Promise<DatasetRow[]> => dataset.query(sql, params, signal ? { signal } : {});
  // Known once HAS_OWNERSHIP has answered (below), before any query runs.
  let byLines = false;
  // The commits, read once into a table of the dataset's in-memory database, dropped at the end.
  const table = `gitfleet_report_${randomBytes(6).toString('hex')}`;
  const queries: (() => Promise<DatasetRow[]>)[] = [
    () => q(SQL.repositoriesSql(table), bots),
    () => q(SQL.repositoryTimeSql(table), bots),
    () => q(SQL.fleetTimeSql(table), bots),
    () => q(SQL.repositoryAuthorsByCommitsSql(table), { ...bots, top: o.top }),
    () => q(SQL.REPOSITORY_OWNERS, { ...bots, top: o.top, threshold: o.threshold }),
    () => q(SQL.hotspotsSql(table), { ...bots, top: o.top, fleet_top: o.top * 3 }),
    () => q(byLines ? SQL.KINDS_BY_LINES : SQL.KINDS_BY_CHANGES),
    () => q(SQL.PULL_REQUEST_ACTIVITY, bots),
    () => q(SQL.ISSUE_ACTIVITY, bots),
    () => q(SQL.recentCommitsSql(table), { ...bots, recent: o.recentCommits }),
    () => q(SQL.FLEET_AUTHORS, { ...bots, max_authors: o.maxAuthors, top: o.top }),
    () => q(SQL.AUTHOR_COUNTS),
    () => q(SQL.ERRORS),
  ];
  // Progress: the two steps that prepare the queries, then each query as it finishes.
  let done = 0;
  const tick = (): void => o.onProgress?.('collect', { done: ++done, total: queries.length + 2 });
  const [hasOwnership] = await q(SQL.HAS_OWNERSHIP);
  byLines = hasOwnership?.['present'] === true;
  tick();
  await q(SQL.commitsTableSql(table));
  tick();
  let results: DatasetRow[][];
  let map: LanguageMap;
  try {
    // Two at a time: DuckDB spreads each query over its threads already.
    const counted = queries.map((run) => async () => {
      const rows = await run();
      tick();
      return rows;
    });
    [results, map] = await Promise.all([inLanes(counted, 2), languageMap()]);
  } finally {
    await dataset.query(`DROP TABLE IF EXISTS ${table}`);
  }
  throwIfAborted(signal);
  const [repositories, time, fleetTime, byCommits, owners, hotspots, kinds, prs, issues, recent, fleetAuthors, authorCounts, errors] = results as [
    DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[], DatasetRow[],
  ];

  const dict = new Dictionaries(map);
  const repoIndex = new Map(repositories.map((r, i) => [str(r['repository']), i]));
  const [timeBy, commitsBy, ownersBy, kindsBy, prsBy, issuesBy, recentBy, errorsBy] = [time, byCommits, owners, kinds, prs, issues, recent, errors].map(byRepository) as [
    Map<string, DatasetRow[]>, Map<string, DatasetRow[]>, Map<string, DatasetRow[]>, Map<string, DatasetRow[]>,
    Map<string, DatasetRow[]>, Map<string, DatasetRow[]>, Map<string, DatasetRow[]>, Map<string, DatasetRow[]>,
  ];
  let otherLanguage: number | undefined;
  const other = (): number => {
    otherLanguage ??= dict.languages.push({ name: 'Other', color: null, kinds: [] }) - 1;
    return otherLanguage;
  };

  const fleetHotspots: Hotspot[] = [];
  const hotspotsBy = new Map<string, Hotspot[]>();
  for (const row of hotspots) {
    const name = str(row['repository']);
    const spot: Hotspot = [repoIndex.get(name) ?? -1, str(row['path']), num(row['changes']), num(row['authors']), num(row['churn']), numOrNull(row['last_time'])];
    if (row['in_fleet'] === true) fleetHotspots.push(spot);
    if (row['in_repository'] === true) {
      const list = hotspotsBy.get(name) ?? [];
      list.push([-1, spot[1], spot[2], spot[3], spot[4], spot[5]]);
      hotspotsBy.set(name, list);
    }
  }
  fleetHotspots.sort((a, b) => b[2] - a[2] || b[3] - a[3] || b[4] - a[4] || a[0] - b[0] || (a[1] < b[1] ? -1 : 1));

  const sections: RepositorySection[] = repositories.map((row) => {
    const name = str(row['repository']);
    const t = timeBy.get(name)?.[0];
    const ownerRows = ownersBy.get(name) ?? [];
    const busFactor = ownerRows.length ? numOrNull(ownerRows[0]!['bus_factor']) : null;
    const authorsByLines = ownerRows.map((r): AuthorAmount => [dict.author(r), num(r['amount'])]);
    return {
      name,
      info: {
        provider: strOrNull(row['provider']),
        url: safeUrl(row['url']),
        defaultBranch: strOrNull(row['default_branch']),
        headSha: strOrNull(row['head_sha']),
        description: strOrNull(row['description']),
        language: strOrNull(row['language']),
        stars: numOrNull(row['stars']),
        fork: row['is_fork'] === true,
        archived: row['is_archived'] === true,
        shallow: row['is_shallow'] === true,
      },
      stats: {
        commits: num(row['commits']),
        merges: num(row['merges']),
        authors: num(row['authors']),
        firstTime: numOrNull(row['first_time']),
        lastTime: numOrNull(row['last_time']),
        additions: num(row['additions']),
        deletions: num(row['deletions']),
        lines: num(row['lines']),
        files: num(row['files']),
        branches: num(row['branches']),
        busFactor,
        ownedLines: ownerRows.length ? num(ownerRows[0]!['total']) : 0,
        botCommits: num(row['bot_commits']),
      },
      commitsPerMonth: monthSeries(t?.['months'] as unknown[] | undefined, t?.['month_counts'] as unknown[] | undefined),
      heatmap: heatmap(t?.['cells'] as unknown[] | undefined, t?.['cell_counts'] as unknown[] | undefined),
      authorsByCommits: (commitsBy.get(name) ?? []).map((r): AuthorAmount => [dict.author(r), num(r['amount'])]),
      authorsByLines,
      owners: busFactor === null ? [] : authorsByLines.slice(0, busFactor).map(([a]) => a),
      hotspots: hotspotsBy.get(name) ?? [],
      languages: languageAmounts(kindsBy.get(name) ?? [], dict, o.top, other),
      pullRequests: activitySeries(prsBy.get(name), true),
      issues: activitySeries(issuesBy.get(name), false),
      recentCommits: (recentBy.get(name) ?? []).map((r): RecentCommit => [str(r['sha']), num(r['author_time']), dict.author(r), str(r['subject'])]),
      errors: (errorsBy.get(name) ?? []).map(errorEntry),
    };
  });

  const fleetCounts = new Map<string, number>();
  const fleetMonths: unknown[] = [];
  const fleetMonthCounts: unknown[] = [];
  const fleetCells: unknown[] = [];
  const fleetCellCounts: unknown[] = [];
  for (const row of fleetTime.sort((a, b) => num(a['slot']) - num(b['slot']))) {
    const kind = str(row['kind']);
    if (kind === 'month') {
      fleetMonths.push(row['slot']);
      fleetMonthCounts.push(row['n']);
    } else if (kind === 'cell') {
      fleetCells.push(row['slot']);
      fleetCellCounts.push(row['n']);
    } else if (row['n'] !== null) fleetCounts.set(kind, num(row['n']));
  }

  const authorsTotal = num(fleetAuthors[0]?.['total']);
  const authors: FleetAuthor[] = fleetAuthors.map((r) => ({
    author: dict.author(r, 'author_id'),
    commits: num(r['commits']),
    lines: num(r['lines']),
    repositories: num(r['repositories']),
    firstTime: numOrNull(r['first_time']),
    lastTime: numOrNull(r['last_time']),
    aliases: Math.max(0, num(r['aliases'])),
  }));
  const fleetPrs = sumActivity(sections.map((s) => s.pullRequests));
  const fleetIssues = sumActivity(sections.map((s) => s.issues));
  const errorEntries = errors.map(errorEntry);

  return {
    version: REPORT_DATA_VERSION,
    title: o.title ?? (sections.length === 1 ? sections[0]!.name : 'Fleet report'),
    generatedTime: o.generatedTime,
    options: { includeBots: o.includeBots, threshold: o.threshold, top: o.top, languageMeasure: byLines ? 'lines' : 'changes' },
    omitted: { authors: Math.max(0, authorsTotal - authors.length) },
    totals: {
      repositories: sections.length,
      commits: fleetCounts.get('total') ?? 0,
      merges: fleetCounts.get('merges') ?? 0,
      authors: num(authorCounts[0]?.['people']),
      bots: num(authorCounts[0]?.['bots']),
      botCommits: fleetCounts.get('bot_commits') ?? 0,
      firstTime: fleetCounts.get('first') ?? null,
      lastTime: fleetCounts.get('last') ?? null,
      lines: sections.reduce((s, r) => s + r.stats.lines, 0),
      files: sections.reduce((s, r) => s + r.stats.files, 0),
      pullRequests: fleetPrs?.total ?? 0,
      issues: fleetIssues?.total ?? 0,
      errors: errorEntries.length,
    },
    authors: dict.authors,
    languages: dict.languages,
    fleet: {
      commitsPerMonth: monthSeries(fleetMonths, fleetMonthCounts),
      heatmap: heatmap(fleetCells, fleetCellCounts),
      authors,
      hotspots: fleetHotspots,
      languages: languageAmounts(kinds, dict, o.top, other),
      pullRequests: fleetPrs,
      issues: fleetIssues,
    },
    repositories: sections,
    errors: errorEntries,
  };
}
