import { CONVENTIONAL_TYPES } from '../prompts.js';
import { leadingGitmoji } from '../style/gitmoji.js';
import type { HistorySubject, RepoConventions, TicketPlacement } from './types.js';

/** `type(scope)!: description`; the type is letters only, as commitlint parses it. */
const CONVENTIONAL = /^([a-z]+)(?:\(([^()\n]{1,40})\))?!?: \S/i;
/** `area: description` or `area/sub: description` (git, Linux, Node.js, Go). */
const AREA = /^([\w.-]+(?:\/[\w.-]+)*(?:, ?[\w.-]+)*): \S/;
/** A Jira-style key (`PROJ-123`) anywhere in a subject. */
const TICKET = /\b([A-Z][A-Z0-9]{1,9})-(\d{1,6})\b/g;
/** Prefixes that are not areas but words: "Note: ...", "WIP: ...". */
const NOT_AREAS = new Set(['note', 'wip', 'revert', 'merge', 'fixup', 'squash', 'todo', 'breaking change', 'hotfix', 'release']);
/** A style needs this share of the commits looked at. */
const DOMINANT = 0.5;
/** A case needs this share of the subjects. */
const CASE_SHARE = 0.7;
/** A scope or area needs this many commits to be listed, and a directory this share of its files. */
const MIN_SCOPE_COMMITS = 2;
const MIN_PATH_SHARE = 0.2;

/** `packages/git/src/x.ts` -> `packages/git`; `lib/x.js` -> `lib`; `README.md` -> `README.md`. */
export function pathKey(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return path;
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/');
}

interface Parsed {
  style: 'conventional' | 'gitmoji' | 'area' | 'plain';
  gitmojiAsCode: boolean;
  type?: string;
  scope?: string;
  /** The description after every prefix. */
  description: string;
}

/** Removes a leading ticket (`[PROJ-1] `, `PROJ-1: `, `PROJ-1 `) so the rest can be parsed. */
function withoutTicket(subject: string): string {
  return subject.replace(/^\[?[A-Z][A-Z0-9]{1,9}-\d{1,6}\]?:?\s+/, '');
}

function parseSubject(raw: string): Parsed {
  const subject = withoutTicket(raw.trim());
  const emoji = leadingGitmoji(subject);
  if (emoji) return { style: 'gitmoji', gitmojiAsCode: subject.startsWith(':'), description: emoji.rest };
  const conventional = CONVENTIONAL.exec(subject);
  if (conventional && (CONVENTIONAL_TYPES as readonly string[]).includes(conventional[1]!.toLowerCase())) {
    return {
      style: 'conventional',
      gitmojiAsCode: false,
      type: conventional[1]!.toLowerCase(),
      ...(conventional[2] ? { scope: conventional[2].trim() } : {}),
      description: subject.slice(subject.indexOf(':') + 1).trim(),
    };
  }
  const area = AREA.exec(subject);
  if (area && !NOT_AREAS.has(area[1]!.toLowerCase()) && area[1]!.length <= 30) {
    return { style: 'area', gitmojiAsCode: false, scope: area[1]!, description: subject.slice(area[1]!.length + 1).trim() };
  }
  return { style: 'plain', gitmojiAsCode: false, description: subject };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The most common placement of `key`'s tickets in the subjects that carry one. */
function ticketPlacement(subjects: readonly string[], key: string): { placement: TicketPlacement; example: string } | null {
  const k = `${key}-\\d+`;
  const patterns: [TicketPlacement, RegExp][] = [
    ['bracket-prefix', new RegExp(`^\\[${k}\\] `)],
    ['colon-prefix', new RegExp(`^${k}: `)],
    ['prefix', new RegExp(`^${k} `)],
    ['paren-suffix', new RegExp(` \\(${k}\\)\\.?$`)],
    ['suffix', new RegExp(` ${k}\\.?$`)],
  ];
  const counts = new Map<TicketPlacement, { n: number; example: string }>();
  for (const subject of subjects) {
    const hit = patterns.find(([, re]) => re.test(subject));
    if (!hit) continue;
    const seen = counts.get(hit[0]);
    if (seen) seen.n++;
    else counts.set(hit[0], { n: 1, example: subject });
  }
  const best = [...counts.entries()].sort((a, b) => b[1].n - a[1].n)[0];
  return best ? { placement: best[0], example: best[1].example } : null;
}

/**
 * The conventions of a list of commits (most recent first): style, types, scopes and the
 * directories they map to, subject case and length, ticket placement. Bot commits are left out
 * when at least 20 commits by people remain: they follow the bot's configuration.
 *
 * @example
 * analyzeHistory([{ subject: 'feat(parser): add hunks', files: ['src/parser/a.ts'], bot: false }]).style; // 'conventional'
 */
export function analyzeHistory(all: readonly HistorySubject[], head: string | null = null): RepoConventions {
  const people = all.filter((c) => !c.bot);
  const commits = people.length >= 20 ? people : all;
  const parsed = commits.map((c) => ({ commit: c, parsed: parseSubject(c.subject) }));
  const n = Math.max(1, commits.length);
  const count = (style: Parsed['style']): number => parsed.filter((p) => p.parsed.style === style).length;
  const shares = {
    conventional: count('conventional') / n,
    gitmoji: count('gitmoji') / n,
    areaPrefix: count('area') / n,
    ticket: 0,
  };
  const style = shares.conventional >= DOMINANT ? 'conventional' : shares.gitmoji >= DOMINANT ? 'gitmoji' : 'plain';
  const gitmojiCommits = parsed.filter((p) => p.parsed.style === 'gitmoji');
  const gitmojiFormat = gitmojiCommits.filter((p) => p.parsed.gitmojiAsCode).length > gitmojiCommits.length / 2 ? 'code' : 'emoji';
  const areaPrefix = style === 'plain' && shares.areaPrefix >= DOMINANT;

  const typeCounts = new Map<string, number>();
  for (const { parsed: p } of parsed) if (p.type) typeCounts.set(p.type, (typeCounts.get(p.type) ?? 0) + 1);
  const conventionalCount = Math.max(1, count('conventional'));
  const types = [...typeCounts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, c]) => ({ name, share: Math.round((c / conventionalCount) * 1000) / 1000 }));

  // Scopes of the dominant style only: conventional scopes, or areas of an area-prefixed history.
  const scopeStyle = style === 'conventional' ? 'conventional' : areaPrefix ? 'area' : null;
  const scopeFiles = new Map<string, { commits: number; keys: Map<string, number>; files: number }>();
  for (const { commit, parsed: p } of parsed) {
    if (p.style !== scopeStyle || !p.scope) continue;
    let entry = scopeFiles.get(p.scope);
    if (!entry) scopeFiles.set(p.scope, (entry = { commits: 0, keys: new Map(), files: 0 }));
    entry.commits++;
    for (const file of commit.files) {
      const key = pathKey(file);
      entry.keys.set(key, (entry.keys.get(key) ?? 0) + 1);
      entry.files++;
    }
  }
  const scopes = [...scopeFiles.entries()]
    .filter(([, e]) => e.commits >= MIN_SCOPE_COMMITS)
    .sort((a, b) => b[1].commits - a[1].commits || a[0].localeCompare(b[0]))
    .slice(0, 40)
    .map(([name, e]) => ({
      name,
      commits: e.commits,
      paths: [...e.keys.entries()]
        .filter(([, c]) => c / Math.max(1, e.files) >= MIN_PATH_SHARE)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([key]) => key),
    }));

  let lower = 0;
  let upper = 0;
  for (const { parsed: p } of parsed) {
    const first = p.description[0] ?? '';
    if (first !== first.toUpperCase()) lower++;
    else if (first !== first.toLowerCase()) upper++;
  }
  const cased = Math.max(1, lower + upper);
  const subjectCase = lower / cased >= CASE_SHARE ? 'lower' : upper / cased >= CASE_SHARE ? 'upper' : 'mixed';
  const lengths = commits.map((c) => c.subject.length).sort((a, b) => a - b);

  const keyCounts = new Map<string, number>();
  for (const c of commits) {
    const keys = new Set([...c.subject.matchAll(TICKET)].map((m) => m[1]!));
    for (const key of keys) keyCounts.set(key, (keyCounts.get(key) ?? 0) + 1);
  }
  const [topKey, topCount = 0] = [...keyCounts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  shares.ticket = topCount / n;
  let ticket: RepoConventions['ticket'] = null;
  if (topKey && topCount >= 3 && shares.ticket >= 0.1) {
    const placed = ticketPlacement(commits.map((c) => c.subject), topKey);
    if (placed) ticket = { key: topKey, ...placed };
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    head,
    commits: commits.length,
    style,
    shares: { conventional: round(shares.conventional), gitmoji: round(shares.gitmoji), areaPrefix: round(shares.areaPrefix), ticket: round(shares.ticket) },
    gitmojiFormat,
    areaPrefix,
    types,
    scopes,
    subjectCase,
    subjectLength: { median: quantile(lengths, 0.5), p90: quantile(lengths, 0.9) },
    ticket,
  };
}
