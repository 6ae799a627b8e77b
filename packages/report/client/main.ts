/**
 * The report page: reads the aggregates embedded in `#gitfleet-report-data`, then draws the fleet
 * view or, for `#repository=<name>`, one repository's view. Works from file:// with no request.
 */
import type { ReportData } from '../src/report-data.js';
import { clear, h } from './dom.js';
import { fleetView } from './fleet-view.js';
import { formatDate } from './format.js';
import { Charts } from './page.js';
import { repositoryView } from './repository-view.js';

const data = JSON.parse(document.getElementById('gitfleet-report-data')!.textContent!) as ReportData;
const charts = new Charts();
const single = data.repositories.length === 1;

type Theme = 'light' | 'dark';

function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem('gitfleet-report-theme');
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null; // storage can be off for file:// pages
  }
}

function setTheme(theme: Theme, remember: boolean): void {
  document.documentElement.dataset['theme'] = theme;
  themeButton.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
  themeButton.setAttribute('aria-pressed', String(theme === 'dark'));
  if (remember) {
    try {
      localStorage.setItem('gitfleet-report-theme', theme);
    } catch {
      // not remembered: fine
    }
  }
}

const themeButton = h('button', { type: 'button', id: 'theme-toggle', class: 'toggle' });
themeButton.addEventListener('click', () => {
  setTheme(document.documentElement.dataset['theme'] === 'dark' ? 'light' : 'dark', true);
  charts.redraw(true);
});
setTheme(storedTheme() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'), false);

const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });
const main = h('main', { id: 'view' });
const generated = `Generated ${formatDate(data.generatedTime)} by gitfleet`;
document.getElementById('app')!.append(
  h('header', { class: 'top' }, h('div', {}, h('p', { class: 'brand' }, 'gitfleet report'), h('h1', { id: 'title' }, data.title), crumbs), themeButton),
  main,
  h('p', { class: 'generated' }, generated),
);
document.title = data.title;

/** The repository named in the location's fragment, if any. */
function selected(): string | null {
  const match = /^#repository=(.*)$/.exec(location.hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

function render(): void {
  charts.reset();
  clear(main);
  clear(crumbs);
  const name = single ? data.repositories[0]!.name : selected();
  const repository = name === null ? undefined : data.repositories.find((r) => r.name === name);
  if (repository) {
    if (!single) crumbs.append(h('a', { href: '#', class: 'back' }, '← Fleet'), h('span', {}, ` / ${repository.name}`));
    main.append(repositoryView(data, repository, charts));
    document.title = `${repository.name} · ${data.title}`;
  } else {
    if (name !== null) main.append(h('p', { class: 'note' }, `No repository named “${name}” in this report.`));
    crumbs.append(h('span', {}, `${data.repositories.length} repositories`));
    main.append(fleetView(data, charts));
    document.title = data.title;
  }
  charts.redraw(true);
  document.documentElement.dataset['view'] = repository ? 'repository' : 'fleet';
  const root = document.documentElement.dataset;
  // Milliseconds from navigation to the first view drawn (the benchmark reads it).
  root['renderMs'] ??= String(Math.round(performance.now()));
  root['ready'] = String(Number(root['ready'] ?? 0) + 1);
}

// Print in the light theme: the charts' colours are drawn in, so redraw them for paper and back after.
let printedFrom: Theme | null = null;
addEventListener('beforeprint', () => {
  if (document.documentElement.dataset['theme'] !== 'dark') return;
  printedFrom = 'dark';
  setTheme('light', false);
  charts.redraw(true);
});
addEventListener('afterprint', () => {
  if (printedFrom === null) return;
  setTheme(printedFrom, false);
  printedFrom = null;
  charts.redraw(true);
});

addEventListener('hashchange', () => {
  render();
  scrollTo(0, 0);
});
render();
