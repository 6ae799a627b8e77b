import { NAMED_QUERIES } from './named-queries.js';
import { TABLE_NAMES, TABLES, type ColumnDef } from './schema.js';

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function kind(c: ColumnDef, scope: string): string {
  if (c.name === 'repository' && scope === 'repository') return 'key, set by the transaction';
  if (c.derived) return 'view';
  if (c.computed) return 'computed';
  return c.nullable ? 'input, optional' : 'input';
}

/**
 * The schema document (SCHEMA.md): every table and column with its type and meaning, generated
 * from the schema definition. A test fails when the committed file is stale.
 */
export function renderSchemaMarkdown(): string {
  const out: string[] = [
    '# gitfleet dataset schema',
    '',
    '<!-- Generated from packages/dataset/src/schema.ts by `pnpm --filter @gitfleet/dataset run schema-doc`. Do not edit. -->',
    '',
    'Every table is a folder of Parquet files under the dataset directory, `<dir>/<table>/*.parquet`, and a view of the same name in `<dir>/fleet.duckdb` (and in `openDataset`).',
    'Times are unix seconds (BIGINT), time-zone offsets minutes east of UTC, lists are `VARCHAR[]` (Parquet LIST).',
    '',
    'Column kinds: **input** columns come from the miner; **computed** columns are filled when a repository is published and are stored in the files; **view** columns are not in the files: the views add them by joining the fleet tables.',
    'Reading the Parquet files directly (pandas, polars, Arrow), join `author_identities` on the stored key to get the author:',
    '',
    '```sql',
    "SELECT c.*, i.author_id FROM 'data/commits/*.parquet' c LEFT JOIN 'data/author_identities/*.parquet' i ON i.identity_key = c.author_key",
    '```',
    '',
    '| table | scope | rows |',
    '| --- | --- | --- |',
    ...TABLE_NAMES.map((t) => `| [\`${t}\`](#${t}) | ${TABLES[t].scope === 'repository' ? 'one file per repository' : 'fleet, built by finalize'} | ${cell(TABLES[t].description)} |`),
    '',
  ];
  for (const table of TABLE_NAMES) {
    const def = TABLES[table];
    out.push(`## ${table}`, '', def.description, '', `Key: ${def.key.map((k) => `\`${k}\``).join(', ')}.`, '');
    out.push('| column | type | null | kind | meaning |', '| --- | --- | --- | --- | --- |');
    for (const c of def.columns as readonly ColumnDef[]) {
      out.push(`| \`${c.name}\` | ${c.type} | ${c.nullable ? 'yes' : 'no'} | ${kind(c, def.scope)} | ${cell(c.description)} |`);
    }
    out.push('');
  }
  out.push('## Named queries', '');
  for (const q of NAMED_QUERIES) {
    out.push(`### ${q.name}`, '', q.description, '', '| parameter | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const p of q.parameters) out.push(`| \`${p.name}\` | ${p.choices ? p.choices.join(' \\| ') : p.type} | ${p.default === null ? '—' : `\`${String(p.default)}\``} | ${cell(p.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
