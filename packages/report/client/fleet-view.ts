/** The fleet view: the whole dataset, with a drill-down link to every repository. */
import type { FleetAuthor, Hotspot, LanguageAmount, ReportData, RepositorySection } from '../src/report-data.js';
import { activity, heatmap, horizontalBars, monthBars, stackedMonths, type Bar } from './charts.js';
import { h } from './dom.js';
import { formatDate, formatNumber } from './format.js';
import { authorBars, grid, hotspotBars, languageBars, repositoryLink, section, tiles, type Charts } from './page.js';
import { dataTable } from './table.js';

/** Repositories stacked by name in the monthly chart; the others are summed as "other". */
const STACKED = 10;
/** Repositories in the bus-factor chart (the ones with the most surviving lines); every one is in the table. */
const BUS_FACTOR_BARS = 30;

function stacked(data: ReportData): ReturnType<typeof stackedMonths> {
  const repos = data.repositories.filter((r) => r.commitsPerMonth.counts.length > 0);
  if (repos.length === 0) return null;
  const start = Math.min(...repos.map((r) => r.commitsPerMonth.start));
  const end = Math.max(...repos.map((r) => r.commitsPerMonth.start + r.commitsPerMonth.counts.length));
  const top = [...repos].sort((a, b) => b.stats.commits - a.stats.commits || (a.name < b.name ? -1 : 1)).slice(0, STACKED);
  const series = top.map((r) => ({ name: r.name, start: r.commitsPerMonth.start, counts: r.commitsPerMonth.counts }));
  const rest = repos.filter((r) => !top.includes(r));
  if (rest.length > 0) {
    const counts = new Array<number>(end - start).fill(0);
    for (const r of rest) r.commitsPerMonth.counts.forEach((n, i) => (counts[r.commitsPerMonth.start - start + i]! += n));
    series.push({ name: `${formatNumber(rest.length)} other repositories`, start, counts });
  }
  return stackedMonths(start, end - start, series, 'commits');
}

function busFactorBars(data: ReportData): ReturnType<typeof horizontalBars> {
  const owned = data.repositories.filter((r) => r.stats.busFactor !== null);
  const shown = [...owned].sort((a, b) => b.stats.lines - a.stats.lines).slice(0, BUS_FACTOR_BARS);
  shown.sort((a, b) => a.stats.busFactor! - b.stats.busFactor! || b.stats.lines - a.stats.lines);
  return horizontalBars(
    shown.map((r): Bar => {
      const owners = r.owners.map((a) => data.authors[a]!.name).join(', ');
      return {
        label: r.name,
        value: r.stats.busFactor!,
        ...(r.stats.busFactor === 1 ? { tone: 'danger' as const } : r.stats.busFactor === 2 ? { tone: 'warn' as const } : {}),
        detail: `${formatNumber(r.stats.lines)} lines; owners: ${owners}`,
      };
    }),
    'bus factor',
  );
}

/** The first three owners' names, then how many more. */
function ownersText(data: ReportData, owners: readonly number[]): string {
  const names = owners.slice(0, 3).map((a) => data.authors[a]!.name);
  return owners.length > 3 ? `${names.join(', ')} +${owners.length - 3} more` : names.join(', ');
}

function repositoriesTable(data: ReportData): HTMLElement {
  return dataTable<RepositorySection>(
    data.repositories,
    [
      { label: 'Repository', value: (r) => r.name, cell: (r) => repositoryLink(r.name) },
      { label: 'Commits', value: (r) => r.stats.commits, kind: 'number' },
      { label: 'Authors', value: (r) => r.stats.authors, kind: 'number' },
      { label: 'Lines', value: (r) => r.stats.lines, kind: 'number' },
      { label: 'Bus factor', value: (r) => r.stats.busFactor, kind: 'number' },
      { label: 'Bus-factor owners', value: (r) => ownersText(data, r.owners) },
      { label: 'First commit', value: (r) => r.stats.firstTime, kind: 'date' },
      { label: 'Last commit', value: (r) => r.stats.lastTime, kind: 'date' },
      ...(data.totals.pullRequests > 0 ? [{ label: 'Pull requests', value: (r: RepositorySection) => r.pullRequests?.total ?? 0, kind: 'number' as const }] : []),
      ...(data.totals.issues > 0 ? [{ label: 'Issues', value: (r: RepositorySection) => r.issues?.total ?? 0, kind: 'number' as const }] : []),
    ],
    { id: 'repositories', caption: 'Repositories', sort: { column: 1, descending: true } },
  );
}

function authorsTable(data: ReportData): HTMLElement {
  const name = (a: FleetAuthor): string => data.authors[a.author]!.name;
  return dataTable<FleetAuthor>(
    data.fleet.authors,
    [
      { label: 'Author', value: name, cell: (a) => h('span', {}, name(a), data.authors[a.author]!.bot ? h('span', { class: 'badge' }, 'bot') : null) },
      { label: 'Email', value: (a) => data.authors[a.author]!.email },
      { label: 'Commits', value: (a) => a.commits, kind: 'number' },
      { label: 'Surviving lines', value: (a) => a.lines, kind: 'number' },
      { label: 'Repositories', value: (a) => a.repositories, kind: 'number' },
      { label: 'First commit', value: (a) => a.firstTime, kind: 'date' },
      { label: 'Last commit', value: (a) => a.lastTime, kind: 'date' },
      { label: 'Other identities', value: (a) => a.aliases, kind: 'number' },
    ],
    { id: 'authors', caption: 'Authors', sort: { column: 2, descending: true } },
  );
}

export function hotspotsTable(data: ReportData, spots: readonly Hotspot[], id: string, withRepository: boolean): HTMLElement {
  return dataTable<Hotspot>(
    spots,
    [
      ...(withRepository ? [{ label: 'Repository', value: (s: Hotspot) => data.repositories[s[0]]?.name ?? '', cell: (s: Hotspot) => repositoryLink(data.repositories[s[0]]?.name ?? '') }] : []),
      { label: 'Path', value: (s) => s[1], cell: (s) => h('code', {}, s[1]) },
      { label: 'Changes', value: (s) => s[2], kind: 'number' },
      { label: 'Authors', value: (s) => s[3], kind: 'number' },
      { label: 'Churn (+/-)', value: (s) => s[4], kind: 'number' },
      { label: 'Last change', value: (s) => s[5], kind: 'date' },
    ],
    { id, caption: 'Churn hotspots', sort: { column: withRepository ? 2 : 1, descending: true }, pageSize: 25 },
  );
}

export function errorsTable(data: ReportData, errors: ReportData['errors'], withRepository: boolean): HTMLElement {
  return dataTable(
    errors,
    [
      ...(withRepository ? [{ label: 'Repository', value: (e: ReportData['errors'][number]) => e.repository }] : []),
      { label: 'Phase', value: (e) => e.phase },
      { label: 'Message', value: (e) => e.message },
      { label: 'Code', value: (e) => e.code ?? '' },
      { label: 'When', value: (e) => e.time, kind: 'date' },
    ],
    { id: 'errors', caption: 'Errors' },
  );
}

/**
 * The churn hotspots, activity and languages sections, alike in the fleet and the repository
 * views; `prefix` names their charts (`fleet-…`, `repo-…`).
 */
export function commonSections(
  data: ReportData,
  charts: Charts,
  prefix: 'fleet' | 'repo',
  scope: { hotspots: readonly Hotspot[]; heatmap: readonly number[]; languages: readonly LanguageAmount[] },
  measure: string,
): HTMLElement[] {
  const top = data.options.top;
  return [
    section(
      'hotspots',
      'Churn hotspots',
      grid(
        charts.figure(`${prefix}-hotspots-changes`, 'Files with the most changes', hotspotBars(data, scope.hotspots, 'changes', top)),
        charts.figure(`${prefix}-hotspots-authors`, 'Files with the most authors', hotspotBars(data, scope.hotspots, 'authors', top)),
      ),
      hotspotsTable(data, scope.hotspots, 'hotspots', prefix === 'fleet'),
    ),
    section('activity', 'When people commit', charts.figure(`${prefix}-heatmap`, 'Commits by weekday and hour, in each author’s own time zone', heatmap(scope.heatmap, 'commits'))),
    section('languages', 'Languages', charts.figure(`${prefix}-languages`, `By file extension, measured in ${measure}`, languageBars(data, scope.languages))),
  ];
}

export function fleetView(data: ReportData, charts: Charts): HTMLElement {
  const t = data.totals;
  const f = data.fleet;
  const top = data.options.top;
  const byCommits = [...f.authors].sort((a, b) => b.commits - a.commits).slice(0, top).filter((a) => a.commits > 0);
  const byLines = [...f.authors].sort((a, b) => b.lines - a.lines).slice(0, top).filter((a) => a.lines > 0);
  const bots = data.options.includeBots ? 'bots included' : `${formatNumber(t.botCommits)} bot commits left out`;
  const measure = data.options.languageMeasure === 'lines' ? 'surviving lines at HEAD' : 'file changes (the dataset has no ownership)';
  return h(
    'div',
    { class: 'view', 'data-view': 'fleet' },
    section(
      'summary',
      'Summary',
      tiles([
        ['Repositories', formatNumber(t.repositories)],
        ['Commits', formatNumber(t.commits), `${formatNumber(t.merges)} merges; a commit in several repositories counts once; ${bots}`],
        ['Authors', formatNumber(t.authors), `merged across the fleet; plus ${formatNumber(t.bots)} bots`],
        ['Surviving lines', formatNumber(t.lines), `in ${formatNumber(t.files)} files`],
        ['First commit', formatDate(t.firstTime)],
        ['Last commit', formatDate(t.lastTime)],
        ...(t.pullRequests ? [['Pull requests', formatNumber(t.pullRequests)] as [string, string]] : []),
        ...(t.issues ? [['Issues', formatNumber(t.issues)] as [string, string]] : []),
        ...(t.errors ? [['Errors', formatNumber(t.errors), 'repositories that failed to mine'] as [string, string, string]] : []),
      ]),
    ),
    section(
      'commits',
      'Commits per month',
      grid(
        charts.figure('fleet-commits-month', 'The fleet (distinct commits)', monthBars(f.commitsPerMonth, 'commits')),
        charts.figure('fleet-commits-month-by-repository', `By repository (the ${STACKED} most active, stacked)`, stacked(data)),
      ),
    ),
    section('repositories', 'Repositories', h('p', { class: 'hint' }, 'Click a repository for its own report.'), repositoriesTable(data)),
    section(
      'authors',
      'Top authors',
      grid(
        charts.figure('fleet-authors-commits', 'By commits', authorBars(data, byCommits.map((a) => [a.author, a.commits]), 'commits')),
        charts.figure('fleet-authors-lines', 'By surviving lines', authorBars(data, byLines.map((a) => [a.author, a.lines]), 'lines')),
      ),
      h('p', { class: 'hint' }, `Identities merged across the fleet (same email, linked logins). ${data.options.includeBots ? 'Bots included.' : 'Bots left out.'}`),
      authorsTable(data),
      data.omitted.authors > 0 ? h('p', { class: 'note' }, `${formatNumber(data.omitted.authors)} more authors are not listed.`) : null,
    ),
    section(
      'ownership',
      'Ownership and bus factor',
      charts.figure(
        'fleet-bus-factor',
        `Bus factor per repository (fewest authors owning ${Math.round(data.options.threshold * 100)}% of the surviving lines)`,
        busFactorBars(data),
        data.repositories.length > BUS_FACTOR_BARS ? `The ${BUS_FACTOR_BARS} repositories with the most lines; the table above lists all.` : undefined,
      ),
    ),
    ...commonSections(data, charts, 'fleet', f, measure),
    f.pullRequests || f.issues
      ? section(
          'requests',
          'Pull requests and issues',
          grid(
            f.pullRequests ? charts.figure('fleet-pull-requests', 'Pull / merge requests per month', activity(f.pullRequests, 'pull requests')) : null,
            f.issues ? charts.figure('fleet-issues', 'Issues per month', activity(f.issues, 'issues')) : null,
          ),
        )
      : null,
    data.errors.length > 0 ? section('errors', 'Errors', errorsTable(data, data.errors, true)) : null,
  );
}
