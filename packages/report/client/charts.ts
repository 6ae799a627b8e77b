/**
 * The report's charts, drawn with Observable Plot as SVG. Each chart is a function of the data and
 * the current width and theme, so the page redraws it on a resize or a theme switch. Labels come
 * from the data and reach the SVG as text nodes (Plot sets `textContent`).
 */
import * as Plot from '@observablehq/plot';
import type { ActivitySeries, MonthSeries } from '../src/report-data.js';
import { formatCompact, formatMonth, formatNumber, monthDate, shorten, WEEKDAYS } from './format.js';

export interface Theme {
  fg: string;
  muted: string;
  accent: string;
  warn: string;
  danger: string;
  heatLow: string;
  heatHigh: string;
  palette: string[];
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return {
    fg: v('--fg'),
    muted: v('--muted'),
    accent: v('--accent'),
    warn: v('--warn'),
    danger: v('--danger'),
    heatLow: v('--heat-low'),
    heatHigh: v('--heat-high'),
    palette: v('--palette').split(/\s+/).filter(Boolean),
  };
}

export interface ChartContext {
  width: number;
  theme: Theme;
}

/** A chart: draws an SVG (or a figure with a legend) for a width and a theme; null when there is nothing to draw. */
export type Chart = (context: ChartContext) => Element | null;

const base = (context: ChartContext, height: number): Plot.PlotOptions => ({
  width: Math.max(280, Math.floor(context.width)),
  height,
  style: { color: context.theme.fg, background: 'transparent', fontSize: '11px' },
});

/** Left margin that fits the longest of `labels` (about 6.4px a character, within limits). */
const marginFor = (labels: readonly string[], min = 40, max = 240): number =>
  Math.min(max, Math.max(min, 12 + Math.max(0, ...labels.map((l) => [...l].length)) * 6.4));

/** Give identical labels (two people named Alex) distinct texts so that each keeps its bar. */
export function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} (${n})`;
  });
}

/** Ticks for counts that are whole numbers (commits, a bus factor): no 0.5. */
const wholeTicks = (max: number): { ticks?: number[] } => (max <= 12 ? { ticks: Array.from({ length: Math.max(1, Math.ceil(max)) + 1 }, (_, i) => i) } : {});

/** Commits (or anything) per month: one bar per month, zero months included. */
export function monthBars(series: MonthSeries, label: string): Chart | null {
  if (series.counts.length === 0) return null;
  const rows = series.counts.map((count, i) => ({ month: monthDate(series.start + i), count, label: formatMonth(series.start + i) }));
  return (context) =>
    Plot.plot({
      ...base(context, 240),
      marginLeft: 48,
      x: { type: 'utc', label: null },
      y: { grid: true, label, tickFormat: formatCompact, ...wholeTicks(Math.max(...series.counts)) },
      marks: [
        Plot.rectY(rows, { x: 'month', interval: 'month', y: 'count', fill: context.theme.accent, insetLeft: 0.5, insetRight: 0.5, tip: { format: { x: false, y: true } }, title: (d: { label: string; count: number }) => `${d.label}: ${formatNumber(d.count)}` }),
        Plot.ruleY([0]),
      ],
    });
}

/** Per-series month counts stacked: `series` is one name per entry of `counts`, each dense from `start`. */
export function stackedMonths(start: number, length: number, series: readonly { name: string; start: number; counts: readonly number[] }[], label: string): Chart | null {
  if (length === 0 || series.length === 0) return null;
  const rows: { month: Date; count: number; series: string }[] = [];
  for (const s of series) {
    for (let i = 0; i < length; i++) {
      const count = s.counts[start + i - s.start] ?? 0;
      rows.push({ month: monthDate(start + i), count, series: s.name });
    }
  }
  const names = series.map((s) => s.name);
  return (context) =>
    Plot.plot({
      ...base(context, 280),
      marginLeft: 48,
      x: { type: 'utc', label: null },
      y: { grid: true, label, tickFormat: formatCompact },
      color: { domain: names, range: context.theme.palette.concat(context.theme.muted), legend: true, tickFormat: (n: string) => shorten(n, 40) },
      marks: [Plot.rectY(rows, { x: 'month', interval: 'month', y: 'count', fill: 'series', order: names, tip: true }), Plot.ruleY([0])],
    });
}

export interface Bar {
  label: string;
  value: number;
  /** A fixed colour for this bar (a language's), else `tone` in the theme's colours (default: the accent). */
  color?: string | null;
  tone?: 'danger' | 'warn' | 'muted';
  /** Shown in the tip. */
  detail?: string;
}

/** Horizontal bars, in the order given. `keep: 'end'` shortens long labels from the left (paths). */
export function horizontalBars(bars: readonly Bar[], label: string, keep: 'start' | 'end' = 'start'): Chart | null {
  if (bars.length === 0) return null;
  const labels = uniqueLabels(bars.map((b) => b.label));
  const short = labels.map((l) => shorten(l, 36, keep));
  const rows = bars.map((b, i) => ({ ...b, key: labels[i]!, detail: b.detail ?? '' }));
  return (context) =>
    Plot.plot({
      ...base(context, 28 + 22 * bars.length),
      marginLeft: marginFor(short),
      marginRight: 48,
      x: { grid: true, label, tickFormat: formatCompact, axis: 'top', ...wholeTicks(Math.max(...bars.map((b) => b.value))) },
      y: { domain: labels, label: null, tickFormat: (l: string) => short[labels.indexOf(l)] ?? l },
      marks: [
        // One bar per label: no series to stack (z: null), whatever the colours.
        Plot.barX(rows, { y: 'key', x: 'value', z: null, fill: (d: Bar) => d.color ?? (d.tone ? context.theme[d.tone] : context.theme.accent), tip: true, title: (d: { key: string; value: number; detail: string }) => `${d.key}\n${formatNumber(d.value)} ${label}${d.detail ? `\n${d.detail}` : ''}` }),
        Plot.text(rows, { y: 'key', x: 'value', text: (d: { value: number }) => formatCompact(d.value), dx: 4, textAnchor: 'start', fill: context.theme.muted }),
        Plot.ruleX([0]),
      ],
    });
}

/** Commits per weekday and hour (7 x 24, Monday first), in the authors' own time zones. */
export function heatmap(cells: readonly number[], label: string): Chart | null {
  if (!cells.some((n) => n > 0)) return null;
  const rows = cells.map((count, i) => ({ day: WEEKDAYS[Math.floor(i / 24)]!, hour: i % 24, count }));
  return (context) =>
    Plot.plot({
      ...base(context, 250),
      marginLeft: 40,
      padding: 0.06,
      x: { label: 'hour of the day (author’s local time)', tickFormat: (h: number) => (h % 3 === 0 ? String(h).padStart(2, '0') : '') },
      y: { domain: WEEKDAYS, label: null },
      color: { type: 'sqrt', range: [context.theme.heatLow, context.theme.heatHigh], label, legend: true },
      marks: [Plot.cell(rows, { x: 'hour', y: 'day', fill: 'count', inset: 0.5, tip: true, title: (d: { day: string; hour: number; count: number }) => `${d.day} ${String(d.hour).padStart(2, '0')}:00–${String(d.hour).padStart(2, '0')}:59\n${formatNumber(d.count)} ${label}` })],
    });
}

/** Opened / closed (/ merged) per month, as lines with a dot per month. */
export function activity(series: ActivitySeries, what: string): Chart | null {
  if (series.opened.length === 0) return null;
  const kinds: [string, number[]][] = [['opened', series.opened], ['closed', series.closed]];
  if (series.merged) kinds.push(['merged', series.merged]);
  const rows = kinds.flatMap(([kind, counts]) => counts.map((count, i) => ({ month: monthDate(series.start + i), count, kind })));
  return (context) =>
    Plot.plot({
      ...base(context, 240),
      marginLeft: 48,
      x: { type: 'utc', label: null },
      y: { grid: true, label: what, tickFormat: formatCompact, ...wholeTicks(Math.max(...rows.map((r) => r.count))) },
      color: { domain: kinds.map(([k]) => k), range: [context.theme.accent, context.theme.muted, context.theme.palette[4] ?? context.theme.warn], legend: true },
      marks: [
        Plot.ruleY([0]),
        Plot.lineY(rows, { x: 'month', y: 'count', stroke: 'kind', z: 'kind', curve: 'linear' }),
        Plot.dot(rows, { x: 'month', y: 'count', fill: 'kind', r: 2.5, tip: true }),
      ],
    });
}

/**
 * Ownership concentration: the share of the surviving lines held by the first n authors (most
 * lines first), one bar per n; the bus-factor owners in the danger colour, a rule at the threshold.
 */
export function cumulativeShare(amounts: readonly number[], total: number, owners: number, threshold: number): Chart | null {
  if (total === 0 || amounts.length === 0) return null;
  let running = 0;
  const rows = amounts.map((amount, i) => {
    running += amount;
    return { n: i + 1, share: running / total, owner: i < owners };
  });
  return (context) =>
    Plot.plot({
      ...base(context, 240),
      marginLeft: 48,
      x: { label: 'authors, most lines first', type: 'band', tickFormat: (n: number) => (rows.length <= 20 || n % 5 === 0 ? String(n) : '') },
      y: { grid: true, label: 'share of the lines', domain: [0, 1], tickFormat: (v: number) => `${Math.round(v * 100)}%` },
      marks: [
        Plot.barY(rows, { x: 'n', y: 'share', z: null, fill: (d: { owner: boolean }) => (d.owner ? context.theme.danger : context.theme.accent), tip: true, title: (d: { n: number; share: number }) => `the first ${d.n} authors own ${(d.share * 100).toFixed(1)}%` }),
        Plot.ruleY([threshold], { stroke: context.theme.fg, strokeDasharray: '4 3' }),
        Plot.ruleY([0]),
      ],
    });
}
