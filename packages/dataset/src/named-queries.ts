import { InvalidOptionError, UnknownQueryError } from './errors.js';

/** A parameter of a named query. Values may come as strings (from the command line) and are coerced. */
export interface NamedQueryParameter {
  name: string;
  type: 'integer' | 'number' | 'boolean' | 'string';
  description: string;
  /** Default value; `null` means "not set". `now` defaults to the current time. */
  default: number | boolean | string | null;
  /** Allowed values (for strings). */
  choices?: readonly string[];
}

export interface NamedQueryInfo {
  name: string;
  description: string;
  parameters: readonly NamedQueryParameter[];
}

interface NamedQuery extends NamedQueryInfo {
  /** SQL over the views; parameters are bound as `$name`, except `choices` ones, which select the text. */
  sql(params: Readonly<Record<string, unknown>>): string;
}

const includeBots: NamedQueryParameter = { name: 'include_bots', type: 'boolean', description: 'Count bots too (left out by default).', default: false };
const limit = (n: number): NamedQueryParameter => ({ name: 'limit', type: 'integer', description: 'At most this many rows.', default: n });
/** Bots are the merged authors flagged `is_bot` (joined as `a`); identities not merged yet (no finalize) count as people. */
const notBot = '($include_bots OR NOT coalesce(a.is_bot, false))';

const QUERIES: readonly NamedQuery[] = [
  {
    name: 'top-authors',
    description:
      'Authors across the fleet by commits (distinct commit ids authored) and by surviving lines (lines at HEAD they last changed, from ownership), with their repositories; the totals of `authors`, as of the last finalize.',
    parameters: [
      { name: 'by', type: 'string', description: 'Order by `commits` or `lines`.', default: 'commits', choices: ['commits', 'lines'] },
      limit(20),
      includeBots,
    ],
    // The per-author totals are computed by finalize (authors.commits, authors.lines): a scan of one small table.
    sql: (p) => `
      SELECT author_id, name, email, commits, lines, repositories, is_bot FROM authors
      WHERE ($include_bots OR NOT is_bot) AND (commits > 0 OR lines > 0)
      ORDER BY ${p['by'] === 'lines' ? 'lines DESC, commits DESC' : 'commits DESC, lines DESC'}, author_id
      LIMIT $limit`,
  },
  {
    name: 'active-repositories',
    description: 'Repositories with commits authored in the last `days` days before `now`, most recent commits first.',
    parameters: [
      { name: 'days', type: 'integer', description: 'Length of the window, in days.', default: 90 },
      { name: 'now', type: 'integer', description: 'End of the window, unix seconds (default: now).', default: null },
      limit(50),
      includeBots,
    ],
    sql: () => `
      WITH c AS (SELECT c.repository, c.sha, coalesce(c.author_id, c.author_key) AS author, c.author_time
                 FROM commits c LEFT JOIN authors a ON a.author_id = c.author_id
                 WHERE c.author_time > $now - $days * 86400 AND c.author_time <= $now AND ${notBot})
      SELECT repository, count(*) AS commits, count(DISTINCT author) AS authors, max(author_time) AS last_commit_time
      FROM c GROUP BY repository
      ORDER BY commits DESC, last_commit_time DESC, repository
      LIMIT $limit`,
  },
  {
    name: 'bus-factor',
    description:
      'Per repository, the bus factor: the smallest number of authors who together last changed at least `threshold` (half) of the lines surviving at HEAD, taking authors by surviving lines, most first. Bots are left out of the lines too.',
    parameters: [
      { name: 'threshold', type: 'number', description: 'Share of the surviving lines, between 0 and 1.', default: 0.5 },
      limit(1000),
      includeBots,
    ],
    sql: () => `
      WITH o AS (SELECT o.repository, coalesce(o.author_id, o.author_key) AS author, arg_max(o.author_name, (o.lines, o.author_name)) AS raw_name, sum(o.lines) AS lines
                 FROM ownership o LEFT JOIN authors a ON a.author_id = o.author_id WHERE ${notBot} GROUP BY 1, 2 HAVING sum(o.lines) > 0),
      r AS (SELECT *, sum(lines) OVER (PARTITION BY repository ORDER BY lines DESC, author ROWS UNBOUNDED PRECEDING) AS running,
                      sum(lines) OVER (PARTITION BY repository) AS total,
                      row_number() OVER (PARTITION BY repository ORDER BY lines DESC, author) AS rank FROM o),
      b AS (SELECT repository, min(rank) FILTER (WHERE running >= total * $threshold) AS bus_factor, max(total)::BIGINT AS total_lines, count(*) AS authors
            FROM r GROUP BY 1)
      SELECT b.repository, b.bus_factor, b.total_lines, b.authors, list(coalesce(a.name, r.raw_name) ORDER BY r.rank) AS owners
      FROM b JOIN r ON r.repository = b.repository AND r.rank <= b.bus_factor LEFT JOIN authors a ON a.author_id = r.author
      GROUP BY b.repository, b.bus_factor, b.total_lines, b.authors
      ORDER BY b.bus_factor, b.total_lines DESC, b.repository
      LIMIT $limit`,
  },
  {
    name: 'hotspots',
    description:
      'Churn hotspots: files changed by the most commits (merges left out), with the number of distinct authors, lines added plus deleted, and the last change.',
    parameters: [
      { name: 'repository', type: 'string', description: 'Only this repository.', default: null },
      { name: 'since', type: 'integer', description: 'Only commits authored at or after this time (unix seconds).', default: 0 },
      limit(20),
      includeBots,
    ],
    sql: () => `
      WITH f AS (SELECT f.repository, f.path, coalesce(f.additions, 0) + coalesce(f.deletions, 0) AS churn,
                        coalesce(c.author_id, c.author_key) AS author, c.author_time
                 FROM commit_files f JOIN commits c ON c.repository = f.repository AND c.sha = f.sha LEFT JOIN authors a ON a.author_id = c.author_id
                 WHERE NOT c.is_merge AND c.author_time >= $since AND ($repository IS NULL OR f.repository = $repository) AND ${notBot})
      SELECT repository, path, count(*) AS changes, count(DISTINCT author) AS authors, sum(churn)::BIGINT AS churn, max(author_time) AS last_change_time
      FROM f GROUP BY repository, path
      ORDER BY changes DESC, authors DESC, churn DESC, repository, path
      LIMIT $limit`,
  },
];

/** The named queries, with their parameters (for `--named` listings and docs). */
export const NAMED_QUERIES: readonly NamedQueryInfo[] = QUERIES.map(({ name, description, parameters }) => ({ name, description, parameters }));

function coerce(query: string, parameter: NamedQueryParameter, value: unknown): number | boolean | string | null {
  if (value === null || value === undefined) return null;
  const expected = parameter.choices
    ? `one of ${parameter.choices.join(', ')}`
    : parameter.name === 'threshold'
      ? 'a number above 0 and at most 1'
      : parameter.name === 'limit'
        ? 'a non-negative integer'
        : `${parameter.type === 'integer' ? 'an' : 'a'} ${parameter.type}`;
  const bad = (): never => {
    throw new InvalidOptionError(`${query}: parameter ${parameter.name} must be ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (parameter.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return bad();
    case 'integer':
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || (parameter.type === 'integer' && !Number.isSafeInteger(n))) return bad();
      if (parameter.name === 'threshold' && (n <= 0 || n > 1)) return bad();
      if (parameter.name === 'limit' && n < 0) return bad();
      return n;
    }
    case 'string':
      if (typeof value !== 'string' || (parameter.choices && !parameter.choices.includes(value))) return bad();
      return value;
  }
}

/** The SQL and bound values of a named query, with defaults applied and values checked. */
export function namedQuerySql(name: string, params: Readonly<Record<string, unknown>> = {}): { sql: string; values: Record<string, unknown> } {
  const query = QUERIES.find((q) => q.name === name);
  if (!query) throw new UnknownQueryError(name, QUERIES.map((q) => q.name));
  for (const key of Object.keys(params)) {
    if (!query.parameters.some((p) => p.name === key)) {
      throw new InvalidOptionError(`${name}: unknown parameter ${key}; known: ${query.parameters.map((p) => p.name).join(', ')}`);
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const parameter of query.parameters) {
    const value = coerce(name, parameter, params[parameter.name] ?? parameter.default);
    resolved[parameter.name] = parameter.name === 'now' && value === null ? Math.floor(Date.now() / 1000) : value;
  }
  const values = Object.fromEntries(query.parameters.filter((p) => !p.choices).map((p) => [p.name, resolved[p.name]]));
  return { sql: query.sql(resolved), values };
}
