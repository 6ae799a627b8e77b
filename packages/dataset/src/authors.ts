/**
 * Merging raw identities (name, email per commit, blame line, ...) into authors across the fleet:
 * identities with the same email (case-insensitive) share an identity key already; keys linked to
 * the same provider login are then merged (union-find). Pure logic, fed by finalize.
 */

/** One raw identity and how often it was seen. */
export interface IdentityStat {
  key: string;
  name: string;
  email: string;
  /** Commits authored with this exact name and email. */
  authored: number;
  /** Other sightings: commits committed, files owned, blame lines. */
  other: number;
}

/** A login known for an identity key, qualified by provider so github:ada and gitlab:ada stay apart. */
export interface LoginLink {
  key: string;
  provider: string;
  login: string;
}

export interface MergedAuthor {
  author_id: string;
  name: string;
  email: string;
  names: string[];
  emails: string[];
  logins: string[];
  is_bot: boolean;
}

export interface MergedIdentity {
  identity_key: string;
  author_id: string;
  email: string;
  name: string;
}

const BOT_NAMES = new Set([
  'dependabot',
  'dependabot-preview',
  'renovate',
  'renovate-bot',
  'renovatebot',
  'github-actions',
  'greenkeeper',
  'greenkeeperio-bot',
  'snyk-bot',
  'pre-commit-ci',
  'web-flow',
  'semantic-release-bot',
  'imgbot',
  'allcontributors',
  'mergify',
  'codecov',
  'gitlab-bot',
]);
const BOT_EMAILS = new Set(['noreply@github.com', 'bot@renovateapp.com', 'support@dependabot.com', 'action@github.com', 'github-actions@github.com']);

/**
 * Is this name, email or login a bot? The `[bot]` suffix convention (names, logins, noreply
 * addresses), the well-known bots (dependabot, renovate, github-actions, ...) and their addresses.
 *
 * @example
 * isBotIdentity('dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com') // true
 */
export function isBotIdentity(name: string, email: string, login?: string): boolean {
  const candidates = [name, login ?? '', email.split('@')[0] ?? ''].map((s) => s.trim().toLowerCase().replace(/^\d+\+/, ''));
  for (const value of candidates) {
    if (value.endsWith('[bot]') || value.endsWith('-bot[bot]')) return true;
    if (BOT_NAMES.has(value)) return true;
  }
  return BOT_EMAILS.has(email.trim().toLowerCase());
}

/** The provider login encoded in a GitHub or GitLab noreply address. */
export function loginFromNoreply(email: string): { provider: string; login: string } | undefined {
  const github = /^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$/i.exec(email.trim());
  if (github) return { provider: 'github', login: github[1]! };
  const gitlab = /^\d+-([^@]+)@users\.noreply\.gitlab\.com$/i.exec(email.trim());
  if (gitlab) return { provider: 'gitlab', login: gitlab[1]! };
  return undefined;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    let node = x;
    while (node !== root) {
      const next = this.parent.get(node) ?? root;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller key is the root, so the author id (the root) does not depend on input order.
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}

interface Weighted {
  authored: number;
  other: number;
}
const add = (map: Map<string, Weighted>, value: string, w: Weighted): void => {
  const current = map.get(value) ?? { authored: 0, other: 0 };
  current.authored += w.authored;
  current.other += w.other;
  map.set(value, current);
};
/** Most authored first, then most seen, then alphabetical. */
const ranked = (map: Map<string, Weighted>): string[] =>
  [...map].sort(([a, wa], [b, wb]) => wb.authored - wa.authored || wb.other - wa.other || (a < b ? -1 : a > b ? 1 : 0)).map(([v]) => v);

/** Merge identities into authors. Every key of `stats` gets exactly one author. */
export function mergeAuthors(stats: Iterable<IdentityStat>, links: Iterable<LoginLink>): { authors: MergedAuthor[]; identities: MergedIdentity[] } {
  const byKey = new Map<string, { names: Map<string, Weighted>; emails: Map<string, Weighted>; logins: Map<string, string> }>();
  const entry = (key: string) => {
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { names: new Map(), emails: new Map(), logins: new Map() }));
    return e;
  };
  for (const s of stats) {
    const e = entry(s.key);
    add(e.names, s.name, s);
    add(e.emails, s.email.trim().toLowerCase(), s);
    const noreply = loginFromNoreply(s.email);
    if (noreply) e.logins.set(`${noreply.provider}:${noreply.login.toLowerCase()}`, noreply.login);
  }
  for (const link of links) {
    const e = byKey.get(link.key);
    if (e) e.logins.set(`${link.provider}:${link.login.toLowerCase()}`, link.login);
  }

  const uf = new UnionFind();
  const firstByLogin = new Map<string, string>();
  for (const [key, e] of byKey) {
    uf.find(key);
    for (const qualified of e.logins.keys()) {
      const first = firstByLogin.get(qualified);
      if (first === undefined) firstByLogin.set(qualified, key);
      else uf.union(first, key);
    }
  }

  const groups = new Map<string, string[]>();
  for (const key of byKey.keys()) {
    const root = uf.find(key);
    const members = groups.get(root);
    if (members) members.push(key);
    else groups.set(root, [key]);
  }

  const authors: MergedAuthor[] = [];
  const identities: MergedIdentity[] = [];
  for (const [root, keys] of groups) {
    const names = new Map<string, Weighted>();
    const emails = new Map<string, Weighted>();
    const logins = new Map<string, string>();
    for (const key of keys) {
      const e = byKey.get(key)!;
      for (const [n, w] of e.names) add(names, n, w);
      for (const [m, w] of e.emails) add(emails, m, w);
      for (const login of e.logins.values()) logins.set(login.toLowerCase(), logins.get(login.toLowerCase()) ?? login);
      identities.push({ identity_key: key, author_id: root, email: ranked(e.emails)[0] ?? '', name: ranked(e.names)[0] ?? '' });
    }
    const nameList = ranked(names).filter((n) => n !== '');
    const emailList = ranked(emails).filter((m) => m !== '');
    const loginList = [...logins.values()].sort();
    const is_bot =
      nameList.some((n) => isBotIdentity(n, '')) || emailList.some((m) => isBotIdentity('', m)) || loginList.some((l) => isBotIdentity('', '', l));
    authors.push({ author_id: root, name: nameList[0] ?? '', email: emailList[0] ?? '', names: nameList, emails: emailList, logins: loginList, is_bot });
  }
  return { authors, identities };
}
