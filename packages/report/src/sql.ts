/**
 * The report's SQL over the dataset views (see @gitfleet/dataset SCHEMA.md). Every query aggregates:
 * what comes back is per repository (lists, or a few top rows), never per commit or per file.
 *
 * The commits are read once, into an in-memory table (`commitsTableSql`) with the author resolved,
 * the bot flag and the month and local-time cell computed; the queries read that table. Parameters:
 * `$include_bots` (boolean), `$top` (rows per repository), `$fleet_top` (fleet rows). Authors are
 * `coalesce(author_id, author_key)`, as in the named queries, so that rows published after the last
 * finalize still count (under their identity key).
 */

/** Month number `year * 12 + (month - 1)` of a unix time, in UTC. */
const month = (time: string): string => `(year(make_timestamp(${time} * 1000000)) * 12 + month(make_timestamp(${time} * 1000000)) - 1)`;

/** Heatmap cell `(ISO weekday - 1) * 24 + hour` of the author's local time (the time plus its tz offset). */
const localCell = `(isodow(make_timestamp((author_time + author_tz_offset * 60) * 1000000)) - 1) * 24 + hour(make_timestamp((author_time + author_tz_offset * 60) * 1000000))`;

const notBot = (alias: string): string => `($include_bots OR NOT coalesce(${alias}.is_bot, false))`;

/** Every commit, read once: the author resolved, the bot flag, the month, the local-time cell and the subject. */
export const commitsTableSql = (table: string): string => `
  CREATE TABLE ${table} AS
  SELECT c.repository, c.sha, c.is_merge, coalesce(c.author_id, c.author_key) AS author, c.author_name, c.author_email,
         c.author_time, c.author_tz_offset, c.additions, c.deletions, coalesce(a.is_bot, false) AS is_bot,
         ${month('c.author_time')} AS month, ${localCell.replaceAll('author_', 'c.author_')} AS cell,
         left(split_part(c.message, chr(10), 1), 200) AS subject
  FROM commits c LEFT JOIN authors a ON a.author_id = c.author_id`;

/** Commits kept by the bot filter. */
const commits = (table: string): string => `c AS (SELECT * FROM ${table} WHERE $include_bots OR NOT is_bot)`;

/** Ownership rows kept by the bot filter. */
const OWNERSHIP = `o AS (
  SELECT o.repository, o.path, coalesce(o.author_id, o.author_key) AS author, o.author_name, o.author_email, o.lines
  FROM ownership o LEFT JOIN authors a ON a.author_id = o.author_id
  WHERE ${notBot('a')})`;

/** The kind of a path for the languages chart: its lower-cased extension (`.ts`), else its file name (`Makefile`, `.gitignore`). */
const KIND = `CASE WHEN regexp_matches(regexp_extract(path, '[^/]*$'), '^[^.].*\\.[^.]+$')
  THEN lower(regexp_extract(regexp_extract(path, '[^/]*$'), '(\\.[^.]+)$', 1))
  ELSE regexp_extract(path, '[^/]*$') END`;

/** Every repository with data: the `repositories` rows, and repositories with commits but no such row. */
export const repositoriesSql = (table: string): string => `
  WITH names AS (SELECT repository FROM repositories UNION SELECT repository FROM ${table} UNION SELECT repository FROM ownership),
  ${commits(table)},
  cs AS (SELECT repository, count(*) AS commits, count(*) FILTER (WHERE is_merge) AS merges, count(DISTINCT author) AS authors,
                min(author_time) AS first_time, max(author_time) AS last_time,
                coalesce(sum(additions), 0)::BIGINT AS additions, coalesce(sum(deletions), 0)::BIGINT AS deletions
         FROM c GROUP BY 1),
  bots AS (SELECT repository, count(*) AS bot_commits FROM ${table} WHERE is_bot AND NOT $include_bots GROUP BY 1),
  os AS (SELECT repository, sum(lines)::BIGINT AS lines, count(DISTINCT path) AS files FROM ownership GROUP BY 1),
  br AS (SELECT repository, count(*) AS branches FROM branches GROUP BY 1),
  info AS (SELECT repository, any_value(provider) AS provider, any_value(url) AS url, any_value(default_branch) AS default_branch,
                  any_value(head_sha) AS head_sha, any_value(description) AS description, any_value(language) AS language,
                  any_value(stars) AS stars, bool_or(is_fork) AS is_fork, bool_or(is_archived) AS is_archived, bool_or(is_shallow) AS is_shallow
           FROM repositories GROUP BY 1)
  SELECT n.repository, i.provider, i.url, i.default_branch, i.head_sha, i.description, i.language, i.stars,
         coalesce(i.is_fork, false) AS is_fork, coalesce(i.is_archived, false) AS is_archived, coalesce(i.is_shallow, false) AS is_shallow,
         coalesce(cs.commits, 0) AS commits, coalesce(cs.merges, 0) AS merges, coalesce(cs.authors, 0) AS authors,
         cs.first_time, cs.last_time, coalesce(cs.additions, 0) AS additions, coalesce(cs.deletions, 0) AS deletions,
         coalesce(os.lines, 0) AS lines, coalesce(os.files, 0) AS files, coalesce(br.branches, 0) AS branches,
         coalesce(bots.bot_commits, 0) AS bot_commits
  FROM names n LEFT JOIN info i USING (repository) LEFT JOIN cs USING (repository) LEFT JOIN os USING (repository)
       LEFT JOIN br USING (repository) LEFT JOIN bots USING (repository)
  ORDER BY n.repository`;

/** Commits per month and per local weekday x hour, per repository, as lists. */
export const repositoryTimeSql = (table: string): string => `
  WITH ${commits(table)},
  m AS (SELECT repository, month, count(*) AS n FROM c GROUP BY ALL),
  h AS (SELECT repository, cell, count(*) AS n FROM c GROUP BY ALL),
  ml AS (SELECT repository, list(month ORDER BY month) AS months, list(n ORDER BY month) AS month_counts FROM m GROUP BY 1),
  hl AS (SELECT repository, list(cell ORDER BY cell) AS cells, list(n ORDER BY cell) AS cell_counts FROM h GROUP BY 1)
  SELECT * FROM ml FULL JOIN hl USING (repository)`;

/** The same for the fleet, counting distinct commits (a commit in two repositories counts once). */
export const fleetTimeSql = (table: string): string => `
  WITH ${commits(table)},
  d AS (SELECT sha, any_value(author_time) AS author_time, any_value(month) AS month, any_value(cell) AS cell, bool_or(is_merge) AS is_merge FROM c GROUP BY sha)
  SELECT 'month' AS kind, month AS slot, count(*) AS n FROM d GROUP BY ALL
  UNION ALL SELECT 'cell', cell, count(*) FROM d GROUP BY ALL
  UNION ALL SELECT 'total', 0, count(*) FROM d
  UNION ALL SELECT 'merges', 0, count(*) FILTER (WHERE is_merge) FROM d
  UNION ALL SELECT 'first', 0, min(author_time) FROM d
  UNION ALL SELECT 'last', 0, max(author_time) FROM d
  UNION ALL SELECT 'bot_commits', 0, count(DISTINCT sha) FROM ${table} WHERE is_bot AND NOT $include_bots`;

/**
 * The top `$top` authors of each repository by commits, with their display name. Every `arg_max`
 * here breaks ties on the name and email, so that the same dataset always gives the same report.
 */
export const repositoryAuthorsByCommitsSql = (table: string): string => `
  WITH ${commits(table)},
  per AS (SELECT repository, author, count(*) AS amount, arg_max(author_name, (author_time, author_name, author_email)) AS raw_name, arg_max(author_email, (author_time, author_name, author_email)) AS raw_email
          FROM c GROUP BY ALL),
  r AS (SELECT *, row_number() OVER (PARTITION BY repository ORDER BY amount DESC, author) AS rank FROM per)
  SELECT r.repository, r.author, r.amount, coalesce(a.name, r.raw_name) AS name, coalesce(a.email, r.raw_email) AS email, coalesce(a.is_bot, false) AS is_bot
  FROM r LEFT JOIN authors a ON a.author_id = r.author WHERE r.rank <= $top ORDER BY r.repository, r.rank`;

/**
 * The top `$top` authors of each repository by surviving lines, and the bus factor: the fewest of
 * them (lines, most first; ties by author) that own `$threshold` of the lines, as the `bus-factor`
 * named query counts it.
 */
export const REPOSITORY_OWNERS = `
  WITH ${OWNERSHIP},
  per AS (SELECT repository, author, sum(lines) AS amount, arg_max(author_name, (lines, author_name, author_email)) AS raw_name, arg_max(author_email, (lines, author_name, author_email)) AS raw_email
          FROM o GROUP BY ALL HAVING sum(lines) > 0),
  r AS (SELECT *, row_number() OVER (PARTITION BY repository ORDER BY amount DESC, author) AS rank,
                  sum(amount) OVER (PARTITION BY repository ORDER BY amount DESC, author ROWS UNBOUNDED PRECEDING) AS running,
                  sum(amount) OVER (PARTITION BY repository) AS total FROM per),
  bf AS (SELECT repository, min(rank) FILTER (WHERE running >= total * $threshold) AS bus_factor FROM r GROUP BY 1)
  SELECT r.repository, r.author, r.amount::BIGINT AS amount, coalesce(a.name, r.raw_name) AS name, coalesce(a.email, r.raw_email) AS email,
         coalesce(a.is_bot, false) AS is_bot, bf.bus_factor, r.total::BIGINT AS total
  FROM r JOIN bf USING (repository) LEFT JOIN authors a ON a.author_id = r.author
  WHERE r.rank <= $top ORDER BY r.repository, r.rank`;

/**
 * Churn hotspots, as the `hotspots` named query counts them (merges left out): per repository the
 * top `$top` files by changes and the top `$top` by distinct authors; for the fleet the top
 * `$fleet_top` of each.
 */
export const hotspotsSql = (table: string): string => `
  WITH f AS (SELECT f.repository, f.path, coalesce(f.additions, 0) + coalesce(f.deletions, 0) AS churn, c.author, c.author_time
             FROM commit_files f JOIN ${table} c ON c.repository = f.repository AND c.sha = f.sha
             WHERE NOT c.is_merge AND ($include_bots OR NOT c.is_bot)),
  h AS (SELECT repository, path, count(*) AS changes, count(DISTINCT author) AS authors, sum(churn)::BIGINT AS churn, max(author_time) AS last_time
        FROM f GROUP BY ALL),
  r AS (SELECT *, row_number() OVER (PARTITION BY repository ORDER BY changes DESC, authors DESC, churn DESC, path) AS rc,
                  row_number() OVER (PARTITION BY repository ORDER BY authors DESC, changes DESC, churn DESC, path) AS ra,
                  row_number() OVER (ORDER BY changes DESC, authors DESC, churn DESC, repository, path) AS gc,
                  row_number() OVER (ORDER BY authors DESC, changes DESC, churn DESC, repository, path) AS ga FROM h)
  SELECT repository, path, changes, authors, churn, last_time, (rc <= $top OR ra <= $top) AS in_repository, (gc <= $fleet_top OR ga <= $fleet_top) AS in_fleet
  FROM r WHERE rc <= $top OR ra <= $top OR gc <= $fleet_top OR ga <= $fleet_top
  ORDER BY repository, rc`;

/** Surviving lines (every author, bots too: this measures the code) and files per path kind, per repository. */
export const KINDS_BY_LINES = `
  SELECT repository, ${KIND} AS kind, sum(lines)::BIGINT AS amount, count(DISTINCT path) AS files
  FROM ownership GROUP BY ALL HAVING sum(lines) > 0 ORDER BY repository, kind`;

/** Without ownership: file changes per path kind, per repository. */
export const KINDS_BY_CHANGES = `
  SELECT repository, ${KIND} AS kind, count(*) AS amount, count(DISTINCT path) AS files
  FROM commit_files GROUP BY ALL ORDER BY repository, kind`;

export const HAS_OWNERSHIP = 'SELECT EXISTS (SELECT 1 FROM ownership) AS present';

/** Pull requests opened, closed and merged per month and repository (bot authors left out unless asked). */
export const PULL_REQUEST_ACTIVITY = activity('pull_requests', true);
export const ISSUE_ACTIVITY = activity('issues', false);

function activity(table: 'pull_requests' | 'issues', merged: boolean): string {
  const kept = `SELECT p.* FROM ${table} p LEFT JOIN authors a ON a.author_id = p.author_id
                WHERE $include_bots OR NOT (coalesce(a.is_bot, false) OR coalesce(p.author_login, '') ILIKE '%[bot]')`;
  const events = [
    `SELECT repository, 'opened' AS kind, ${month('created_time')} AS month FROM p WHERE created_time IS NOT NULL`,
    `SELECT repository, 'closed', ${month('closed_time')} FROM p WHERE closed_time IS NOT NULL`,
    ...(merged ? [`SELECT repository, 'merged', ${month('merged_time')} FROM p WHERE merged_time IS NOT NULL`] : []),
  ];
  return `
    WITH p AS (${kept})
    SELECT repository, kind, month, count(*) AS n FROM (${events.join(' UNION ALL ')}) GROUP BY ALL
    UNION ALL SELECT repository, 'total', 0, count(*) FROM p GROUP BY ALL
    UNION ALL SELECT repository, 'open', 0, count(*) FILTER (WHERE state = 'open') FROM p GROUP BY ALL
    ORDER BY repository, kind, month`;
}

/** The latest `$recent` commits of each repository: short id, time, author, subject (first line, at most 200 characters). */
export const recentCommitsSql = (table: string): string => `
  WITH ${commits(table)},
  r AS (SELECT *, row_number() OVER (PARTITION BY repository ORDER BY author_time DESC, sha) AS rank FROM c)
  SELECT r.repository, left(r.sha, 10) AS sha, r.author_time, r.author, coalesce(a.name, r.author_name) AS name, coalesce(a.email, r.author_email) AS email,
         r.is_bot, r.subject
  FROM r LEFT JOIN authors a ON a.author_id = r.author WHERE r.rank <= $recent ORDER BY r.repository, r.rank`;

/**
 * Fleet authors (the totals of `authors`, as of the last finalize): the first `$max_authors` by
 * commits and the first `$top` by lines, with the number of authors there are in all.
 */
export const FLEET_AUTHORS = `
  WITH a AS (SELECT * FROM authors WHERE ($include_bots OR NOT is_bot) AND (commits > 0 OR lines > 0)),
  r AS (SELECT *, row_number() OVER (ORDER BY commits DESC, lines DESC, author_id) AS rc,
                  row_number() OVER (ORDER BY lines DESC, commits DESC, author_id) AS rl,
                  count(*) OVER () AS total FROM a)
  SELECT author_id, name, email, is_bot, commits, lines, repositories, first_time, last_time,
         greatest(len(names), len(emails)) - 1 AS aliases, total
  FROM r WHERE rc <= $max_authors OR rl <= $top ORDER BY rc`;

/** People and bots among the authors with a commit or a surviving line. */
export const AUTHOR_COUNTS = `
  SELECT count(*) FILTER (WHERE NOT is_bot) AS people, count(*) FILTER (WHERE is_bot) AS bots
  FROM authors WHERE commits > 0 OR lines > 0`;

export const ERRORS = 'SELECT repository, phase, message, code, time FROM errors ORDER BY repository, phase, time, message';
