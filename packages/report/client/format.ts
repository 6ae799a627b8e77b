const NUMBER = new Intl.NumberFormat('en');

export const formatNumber = (n: number): string => NUMBER.format(n);

/** `1.2k`, `3.4M`: for axis ticks and tiles. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return NUMBER.format(n);
}

/** A unix time as `2024-03-05` (UTC). */
export function formatDate(time: number | null): string {
  if (time === null) return '';
  return new Date(time * 1000).toISOString().slice(0, 10);
}

/** A month number (`year * 12 + month - 1`) as a UTC date at the start of the month. */
export function monthDate(month: number): Date {
  return new Date(Date.UTC(Math.floor(month / 12), month % 12, 1));
}

export function formatMonth(month: number): string {
  return monthDate(month).toISOString().slice(0, 7);
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '';
}

/** Shorten a label to `max` characters: the end of a path is the part worth keeping. */
export function shorten(text: string, max: number, keep: 'start' | 'end' = 'start'): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return keep === 'end' ? `…${chars.slice(chars.length - max + 1).join('')}` : `${chars.slice(0, max - 1).join('')}…`;
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
