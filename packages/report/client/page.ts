/** Page building blocks shared by the fleet and repository views: sections, tiles, mounted charts. */
import type { AuthorAmount, Hotspot, LanguageAmount, ReportData } from '../src/report-data.js';
import { horizontalBars, readTheme, type Bar, type Chart } from './charts.js';
import { clear, h, repositoryHref } from './dom.js';
import { formatNumber } from './format.js';

interface Mounted {
  figure: HTMLElement;
  chart: Chart;
  width: number;
}

/** The charts of the current view, redrawn on a resize or a theme switch. */
export class Charts {
  private mounted: Mounted[] = [];
  private readonly observer = new ResizeObserver(() => this.redraw(false));

  /** A figure for `chart`, or a "no data" note when it is null. `id` goes to `data-chart`. */
  figure(id: string, title: string, chart: Chart | null, note?: string): HTMLElement {
    const figure = h('figure', { class: 'chart', 'data-chart': id }, h('figcaption', {}, title));
    const plot = h('div', { class: 'plot' });
    figure.append(plot);
    if (note) figure.append(h('p', { class: 'note' }, note));
    if (chart) {
      this.mounted.push({ figure, chart, width: 0 });
      this.observer.observe(figure);
    } else {
      figure.dataset['empty'] = '';
      plot.append(h('p', { class: 'empty' }, 'No data.'));
    }
    return figure;
  }

  /** Draw every chart whose width changed (or all of them, on a theme switch). */
  redraw(force: boolean): void {
    const theme = readTheme();
    for (const m of this.mounted) {
      if (!m.figure.isConnected) continue;
      const width = m.figure.querySelector('.plot')!.clientWidth;
      if (!force && Math.abs(width - m.width) < 24) continue;
      m.width = width;
      const plot = m.figure.querySelector('.plot')!;
      clear(plot);
      const element = m.chart({ width: width || 640, theme });
      if (element) plot.append(element);
    }
  }

  reset(): void {
    this.observer.disconnect();
    this.mounted = [];
  }
}

export function section(id: string, title: string, ...children: (Node | null | false)[]): HTMLElement {
  return h('section', { id, class: 'section', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

export function grid(...children: (Node | null | false)[]): HTMLElement {
  return h('div', { class: 'grid' }, ...children);
}

export function tiles(items: readonly [label: string, value: string, hint?: string][]): HTMLElement {
  return h(
    'dl',
    { class: 'tiles' },
    ...items.map(([label, value, hint]) => h('div', { class: 'tile', title: hint ?? null }, h('dt', {}, label), h('dd', {}, value))),
  );
}

export function repositoryLink(name: string): HTMLAnchorElement {
  return h('a', { href: repositoryHref(name), class: 'repo-link', 'data-repository': name }, name);
}

export function authorBars(data: ReportData, amounts: readonly AuthorAmount[], unit: string, highlight: readonly number[] = []): Chart | null {
  return horizontalBars(
    amounts.map(([author, value]): Bar => {
      const a = data.authors[author]!;
      return { label: a.name || a.email, value, detail: a.email, ...(highlight.includes(author) ? { tone: 'danger' } : {}) };
    }),
    unit,
  );
}

export function hotspotBars(data: ReportData, spots: readonly Hotspot[], by: 'changes' | 'authors', top: number): Chart | null {
  const index = by === 'changes' ? 2 : 3;
  const sorted = [...spots].sort((a, b) => b[index] - a[index] || (by === 'changes' ? b[3] - a[3] : b[2] - a[2]) || b[4] - a[4]).slice(0, top);
  return horizontalBars(
    sorted.map((s) => ({
      label: s[0] >= 0 ? `${data.repositories[s[0]]!.name}: ${s[1]}` : s[1],
      value: s[index],
      detail: by === 'changes' ? `${formatNumber(s[3])} authors, churn ${formatNumber(s[4])}` : `${formatNumber(s[2])} changes, churn ${formatNumber(s[4])}`,
    })),
    by === 'changes' ? 'changes' : 'authors',
    'end',
  );
}

export function languageBars(data: ReportData, amounts: readonly LanguageAmount[]): Chart | null {
  const unit = data.options.languageMeasure === 'lines' ? 'lines' : 'changes';
  return horizontalBars(
    amounts.map(([language, amount, files]) => {
      const entry = data.languages[language]!;
      return { label: entry.name, value: amount, ...(entry.color ? { color: entry.color } : { tone: 'muted' as const }), detail: `${formatNumber(files)} files${entry.kinds.length ? ` (${entry.kinds.join(', ')})` : ''}` };
    }),
    unit,
  );
}
