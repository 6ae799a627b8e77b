/** One repository's view: the fleet's charts restricted to it, its owners and its latest commits. */
import type { RecentCommit, ReportData, RepositorySection } from '../src/report-data.js';
import { activity, cumulativeShare, monthBars } from './charts.js';
import { h } from './dom.js';
import { formatDate, formatNumber, percent } from './format.js';
import { commonSections, errorsTable } from './fleet-view.js';
import { authorBars, grid, section, tiles, type Charts } from './page.js';
import { dataTable } from './table.js';

function about(r: RepositorySection): HTMLElement {
  const i = r.info;
  const facts = [
    i.provider,
    i.defaultBranch ? `default branch ${i.defaultBranch}` : null,
    i.headSha ? `HEAD ${i.headSha.slice(0, 12)}` : null,
    i.language ? `main language ${i.language}` : null,
    i.stars !== null ? `${formatNumber(i.stars)} stars` : null,
    i.fork ? 'fork' : null,
    i.archived ? 'archived' : null,
    i.shallow ? 'shallow clone: history truncated' : null,
  ].filter((f): f is string => Boolean(f));
  return h(
    'div',
    { class: 'about' },
    i.description ? h('p', { class: 'description' }, i.description) : null,
    h('p', { class: 'facts' }, facts.join(' · ')),
    // Only http(s) URLs get here (collectReportData drops the others); the page opens them on a click only.
    i.url ? h('p', {}, h('a', { href: i.url, rel: 'noopener noreferrer', target: '_blank', class: 'external' }, i.url)) : null,
  );
}

function recentTable(data: ReportData, commits: readonly RecentCommit[]): HTMLElement {
  return dataTable<RecentCommit>(
    commits,
    [
      { label: 'Commit', value: (c) => c[0], cell: (c) => h('code', {}, c[0]) },
      { label: 'Date', value: (c) => c[1], kind: 'date' },
      { label: 'Author', value: (c) => data.authors[c[2]]!.name },
      { label: 'Subject', value: (c) => c[3] },
    ],
    { id: 'recent-commits', caption: 'Latest commits', sort: { column: 1, descending: true } },
  );
}

export function repositoryView(data: ReportData, r: RepositorySection, charts: Charts): HTMLElement {
  const s = r.stats;
  const share = s.busFactor === null ? '' : `owning ${Math.round(data.options.threshold * 100)}% of the lines: ${r.owners.map((a) => data.authors[a]!.name).join(', ')}`;
  const measure = data.options.languageMeasure === 'lines' ? 'surviving lines at HEAD' : 'file changes';
  const ownedByTop = r.authorsByLines.reduce((sum, [, lines]) => sum + lines, 0);
  return h(
    'div',
    { class: 'view', 'data-view': 'repository', 'data-repository': r.name },
    section(
      'summary',
      'Summary',
      about(r),
      tiles([
        ['Commits', formatNumber(s.commits), `${formatNumber(s.merges)} merges${s.botCommits ? `; ${formatNumber(s.botCommits)} bot commits left out` : ''}`],
        ['Authors', formatNumber(s.authors)],
        ['Surviving lines', formatNumber(s.lines), `in ${formatNumber(s.files)} files`],
        ['Bus factor', s.busFactor === null ? '–' : String(s.busFactor), share],
        ['Lines added / deleted', `+${formatNumber(s.additions)} / −${formatNumber(s.deletions)}`],
        ['Branches', formatNumber(s.branches)],
        ['First commit', formatDate(s.firstTime)],
        ['Last commit', formatDate(s.lastTime)],
      ]),
    ),
    section('commits', 'Commits per month', charts.figure('repo-commits-month', 'Commits per month', monthBars(r.commitsPerMonth, 'commits'))),
    section(
      'authors',
      'Top authors',
      grid(
        charts.figure('repo-authors-commits', 'By commits', authorBars(data, r.authorsByCommits, 'commits')),
        charts.figure('repo-authors-lines', 'By surviving lines (bus-factor owners in red)', authorBars(data, r.authorsByLines, 'lines', r.owners)),
      ),
    ),
    section(
      'ownership',
      'Ownership and bus factor',
      charts.figure(
        'repo-ownership',
        s.busFactor === null
          ? 'Share of the surviving lines'
          : `Bus factor ${s.busFactor}: ${s.busFactor === 1 ? 'one author (in red) holds' : `the first ${s.busFactor} authors (in red) hold`} ${Math.round(data.options.threshold * 100)}% of the surviving lines`,
        cumulativeShare(r.authorsByLines.map(([, lines]) => lines), s.ownedLines, r.owners.length, data.options.threshold),
        s.ownedLines > 0 ? `The ${formatNumber(r.authorsByLines.length)} authors with the most lines own ${percent(ownedByTop, s.ownedLines)} of ${formatNumber(s.ownedLines)} lines${data.options.includeBots ? '' : ' (bots left out)'}.` : undefined,
      ),
    ),
    ...commonSections(data, charts, 'repo', r, measure),
    r.pullRequests || r.issues
      ? section(
          'requests',
          'Pull requests and issues',
          grid(
            r.pullRequests ? charts.figure('repo-pull-requests', `Pull / merge requests per month (${formatNumber(r.pullRequests.open)} open)`, activity(r.pullRequests, 'pull requests')) : null,
            r.issues ? charts.figure('repo-issues', `Issues per month (${formatNumber(r.issues.open)} open)`, activity(r.issues, 'issues')) : null,
          ),
        )
      : null,
    r.recentCommits.length > 0 ? section('recent', 'Latest commits', recentTable(data, r.recentCommits)) : null,
    r.errors.length > 0 ? section('errors', 'Errors', errorsTable(data, r.errors, false)) : null,
  );
}
