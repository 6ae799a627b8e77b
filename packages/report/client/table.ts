import { clear, h } from './dom.js';
import { formatDate, formatNumber } from './format.js';

export interface Column<R> {
  label: string;
  /** The value sorted and filtered on. */
  value: (row: R) => string | number | null;
  kind?: 'text' | 'number' | 'date';
  /** A custom cell (a link, a badge); the default prints the value. */
  cell?: (row: R) => Node | string;
  /** Columns whose text the filter does not search (default: numbers and dates are not searched). */
  searchable?: boolean;
}

export interface TableOptions {
  /** Identifies the table for tests and print (`data-table`). */
  id: string;
  caption: string;
  /** Column index and direction sorted first. */
  sort?: { column: number; descending: boolean };
  /** Rows shown before "Show all" (default 50); print shows every row. */
  pageSize?: number;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function display<R>(column: Column<R>, row: R): string {
  const value = column.value(row);
  if (value === null) return '';
  if (column.kind === 'date') return formatDate(value as number);
  if (column.kind === 'number') return formatNumber(value as number);
  return String(value);
}

/**
 * A table that sorts (click a header; again to reverse) and filters (case-insensitive text of the
 * searchable columns). Built from data with `textContent` only.
 *
 * @example
 * container.append(dataTable(rows, [{ label: 'Name', value: (r) => r.name }], { id: 'people', caption: 'People' }));
 */
export function dataTable<R>(rows: readonly R[], columns: readonly Column<R>[], options: TableOptions): HTMLElement {
  let sort = options.sort ?? { column: 0, descending: false };
  let filter = '';
  let showAll = false;
  const pageSize = options.pageSize ?? 50;
  const searchable = columns.map((c) => c.searchable ?? (c.kind === undefined || c.kind === 'text'));
  const haystack = rows.map((row) => columns.filter((_, i) => searchable[i]).map((c) => display(c, row).toLowerCase()).join('\u0000'));

  const input = h('input', { type: 'search', class: 'filter', placeholder: 'Filter…', 'aria-label': `Filter ${options.caption}` });
  const count = h('span', { class: 'count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more' });
  const headers = columns.map((column, i) => {
    const button = h('button', { type: 'button' }, column.label);
    button.addEventListener('click', () => {
      sort = sort.column === i ? { column: i, descending: !sort.descending } : { column: i, descending: column.kind === 'number' || column.kind === 'date' };
      draw();
    });
    return h('th', { scope: 'col', class: column.kind === 'number' ? 'num' : null }, button);
  });
  const body = h('tbody');
  const table = h('table', { 'data-table': options.id }, h('caption', { class: 'visually-hidden' }, options.caption), h('thead', {}, h('tr', {}, ...headers)), body);

  function draw(): void {
    const needle = filter.trim().toLowerCase();
    const column = columns[sort.column]!;
    const kept = rows.map((row, i) => ({ row, i })).filter(({ i }) => needle === '' || haystack[i]!.includes(needle));
    kept.sort((a, b) => {
      const [x, y] = [column.value(a.row), column.value(b.row)];
      let order: number;
      if (x === null || y === null) order = x === y ? 0 : x === null ? 1 : -1;
      else order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      if (x !== null && y !== null && sort.descending) order = -order;
      return order || a.i - b.i;
    });
    headers.forEach((th, i) => th.setAttribute('aria-sort', i === sort.column ? (sort.descending ? 'descending' : 'ascending') : 'none'));
    clear(body);
    // Rows past the page stay in the document, hidden on screen and printed (styles.css).
    kept.forEach(({ row }, n) => {
      body.appendChild(h('tr', { class: n >= pageSize ? 'extra' : null }, ...columns.map((c) => h('td', { class: c.kind === 'number' ? 'num' : null }, c.cell ? c.cell(row) : display(c, row)))));
    });
    wrapper.classList.toggle('all', showAll);
    const noun = rows.length === 1 ? 'row' : 'rows';
    count.textContent = kept.length === rows.length ? `${formatNumber(rows.length)} ${noun}` : `${formatNumber(kept.length)} of ${formatNumber(rows.length)} ${noun}`;
    more.hidden = kept.length <= pageSize;
    more.textContent = showAll ? 'Show fewer' : `Show all ${formatNumber(kept.length)}`;
    table.dataset['rows'] = String(kept.length);
  }

  input.addEventListener('input', () => {
    filter = input.value;
    draw();
  });
  more.addEventListener('click', () => {
    showAll = !showAll;
    draw();
  });
  const wrapper = h('div', { class: 'table' }, h('div', { class: 'table-tools' }, input, count), h('div', { class: 'table-scroll' }, table), more);
  draw();
  return wrapper;
}
