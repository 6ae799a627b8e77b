/**
 * A realistic synthetic fleet dataset, written with @gitfleet/dataset's writer: repositories of
 * mixed sizes and languages, people in many time zones who commit in their working hours, a
 * person with two emails linked by a login, bots, merges, ownership at HEAD, branches, and pull
 * requests and issues in some repositories. Deterministic for a seed. For report tests, the
 * report benchmark and the screenshots.
 */
import { openDatasetWriter, type RowInput } from '@gitfleet/dataset';
import { mulberry32, randomInt, type Random } from './mulberry32.js';

export interface FleetDatasetOptions {
  /** Repositories (default 6). */
  repositories?: number;
  /** Commits in all, spread over the repositories, a few large and many small (default 3000). */
  commits?: number;
  seed?: number;
  /** Last commit time, unix seconds (default 2026-06-01). History spans `years` before it. */
  end?: number;
  years?: number;
  /** Put untrusted-looking data in: an author named like an HTML tag, a path with `</script>`, a `javascript:` URL... */
  hostile?: boolean;
  /** Repositories recorded as failed in `errors` (default 0). */
  failed?: number;
  /** Repository name prefix (default `acme/`). */
  owner?: string;
}

export interface FleetDatasetFacts {
  dir: string;
  repositories: string[];
  /** Commits written per repository, in the order of `repositories`. */
  sizes: number[];
  commits: number;
  /** Repositories with pull requests and issues. */
  withRequests: string[];
  failed: string[];
  /** The hostile strings used (with `hostile`). */
  hostile: { author: string; path: string; repository: string; message: string; url: string; description: string };
}

interface Person {
  name: string;
  emails: string[];
  login: string | null;
  /** Minutes east of UTC. */
  tz: number;
  /** Local hour the working day starts. */
  start: number;
  bot: boolean;
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Guido', 'Radia', 'Bjarne', 'Hedy', 'Yukihiro', 'Sophie', 'Anders', 'Katherine', 'James', 'Leslie', 'Zoë', 'José', 'Ingrid', 'Priya', 'Mei', 'Olusegun', 'Aroha', 'Dmitri', 'Fatima', 'Lars', 'Chidi', 'Ana'];
const LAST = ['Lovelace', 'Hopper', 'Ritchie', 'Hamilton', 'Thompson', 'Liskov', 'Kernighan', 'Allen', 'van Rossum', 'Perlman', 'Stroustrup', 'Lamarr', 'Matsumoto', 'Wilson', 'Hejlsberg', 'Johnson', 'Gosling', 'Lamport', 'Ångström', 'Núñez', 'Sørensen', 'Raman', 'Zhang', 'Adeyemi', 'Ngata', 'Volkov', 'Haddad', 'Eriksson', 'Okafor', 'Souza'];
/** Offsets in minutes, with their weights: Americas, Europe, India, Nepal, Asia, Oceania. */
const ZONES = [-480, -420, -300, -180, 0, 60, 60, 120, 120, 180, 330, 345, 480, 540, 600, 780];

const PROFILES: { kinds: string[]; dirs: string[] }[] = [
  { kinds: ['ts', 'ts', 'ts', 'tsx', 'json', 'md', 'yml'], dirs: ['src', 'src/components', 'src/lib', 'test', '.github/workflows'] },
  { kinds: ['py', 'py', 'py', 'toml', 'md', 'cfg', 'txt'], dirs: ['pkg', 'pkg/core', 'tests', 'docs'] },
  { kinds: ['go', 'go', 'go', 'mod', 'md', 'yaml'], dirs: ['cmd', 'internal/server', 'internal/store', 'pkg/api'] },
  { kinds: ['rs', 'rs', 'rs', 'toml', 'md'], dirs: ['src', 'src/bin', 'benches', 'tests'] },
  { kinds: ['java', 'java', 'xml', 'properties', 'md'], dirs: ['src/main/java/com/acme', 'src/test/java/com/acme', 'src/main/resources'] },
  { kinds: ['c', 'c', 'h', 'Makefile', 'sh', 'md'], dirs: ['src', 'include', 'tools', 'tests'] },
];
const WORDS = ['api', 'web', 'billing', 'auth', 'search', 'payments', 'infra', 'mobile', 'docs', 'analytics', 'gateway', 'scheduler', 'storage', 'notifier', 'ledger', 'catalog', 'ingest', 'reports', 'identity', 'console'];

const HOSTILE = {
  author: '<img src=x onerror="window.__pwned=1">',
  path: 'src/</script><script>window.__pwned=2</script>.js',
  repository: 'acme/"><svg onload="window.__pwned=3">',
  message: '<script>window.__pwned=5</script> fix & <b>bold</b>',
  url: 'javascript:window.__pwned=4',
  description: '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>',
};

function people(random: Random, count: number): Person[] {
  const out: Person[] = [];
  for (let i = 0; i < count; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]!;
    const handle = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
    out.push({
      name: `${first} ${last}`,
      emails: [`${handle}${i}@example.org`],
      login: i % 3 === 0 ? `${handle.replace('.', '-')}${i}` : null,
      tz: ZONES[Math.floor(random() * ZONES.length)]!,
      start: 7 + Math.floor(random() * 4) + (i % 11 === 5 ? 10 : 0), // a few night owls
      bot: false,
    });
  }
  // One person with a work and a personal address, linked by the provider login (merged into one author).
  out[1]!.emails.push('grace.personal@example.net');
  out[1]!.login ??= 'grace-hopper';
  return out;
}

const BOTS: Person[] = [
  { name: 'dependabot[bot]', emails: ['49699333+dependabot[bot]@users.noreply.github.com'], login: 'dependabot[bot]', tz: 0, start: 0, bot: true },
  { name: 'renovate[bot]', emails: ['29139614+renovate[bot]@users.noreply.github.com'], login: 'renovate[bot]', tz: 0, start: 0, bot: true },
  { name: 'github-actions[bot]', emails: ['41898282+github-actions[bot]@users.noreply.github.com'], login: 'github-actions[bot]', tz: 0, start: 0, bot: true },
];

/** Commit counts per repository: weights growing quadratically, summing to `total`. */
function sizes(repositories: number, total: number): number[] {
  const weights = Array.from({ length: repositories }, (_, i) => (((i * 7) % repositories) + 1) ** 2);
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  const largest = out.indexOf(Math.max(...out));
  out[largest]! += Math.max(0, total - out.reduce((a, b) => a + b, 0));
  return out;
}

const hex = (random: Random): string => Array.from({ length: 40 }, () => Math.floor(random() * 16).toString(16)).join('');

/** A unix time in the person's working hours (local), on a weekday mostly, within [from, to]. */
function workTime(random: Random, person: Person, from: number, to: number): number {
  const day = Math.floor((from + random() * (to - from)) / 86_400);
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  const shifted = weekday >= 5 && random() < 0.85 ? day - weekday + Math.floor(random() * 5) : day; // weekends are rare
  const hour = person.bot ? Math.floor(random() * 24) : (person.start + Math.floor(random() ** 1.3 * 10)) % 24;
  const local = shifted * 86_400 + hour * 3600 + Math.floor(random() * 3600);
  return Math.min(to, Math.max(from, local - person.tz * 60));
}

/** Picks from `items` with a power-law bias toward the first ones. */
const skewed = <T>(random: Random, items: readonly T[], power = 2.2): T => items[Math.floor(random() ** power * items.length)]!;

/**
 * Write a synthetic fleet into `dir` (created or reused) and finalize it.
 *
 * @example
 * const facts = await generateFleetDataset(tmp.path, { repositories: 8, commits: 4000, hostile: true });
 * const html = await renderReport(facts.dir);
 */
export async function generateFleetDataset(dir: string, options: FleetDatasetOptions = {}): Promise<FleetDatasetFacts> {
  const random = mulberry32(options.seed ?? 7);
  const repositories = options.repositories ?? 6;
  const total = options.commits ?? 3000;
  const end = options.end ?? Date.UTC(2026, 5, 1) / 1000;
  const span = (options.years ?? 3) * 365 * 86_400;
  const owner = options.owner ?? 'acme/';
  const crew = people(random, Math.min(400, 12 + Math.ceil(total / 40)));
  if (options.hostile) crew[2]!.name = HOSTILE.author;
  const names: string[] = [];
  const withRequests: string[] = [];
  const writer = await openDatasetWriter(dir);
  let written = 0;
  try {
    const counts = sizes(repositories, total);
    // The hostile path goes to the busiest repository, so that it is among the fleet's hotspots.
    const hostilePath = counts.indexOf(Math.max(...counts));
    for (const [r, count] of counts.entries()) {
      const name = options.hostile && r === 1 ? HOSTILE.repository : `${owner}${WORDS[r % WORDS.length]}${r >= WORDS.length ? `-${Math.floor(r / WORDS.length)}` : ''}`;
      names.push(name);
      const profile = PROFILES[r % PROFILES.length]!;
      const born = end - Math.floor(span * (0.25 + 0.75 * random()));
      // The repository's team: a few core people (most commits) and occasional contributors.
      const team = Array.from({ length: Math.min(crew.length, 3 + Math.floor(Math.sqrt(count) / 2)) }, () => crew[Math.floor(random() * crew.length)]!);
      if (options.hostile && r <= 1) team.unshift(crew[2]!);
      const files = Array.from({ length: Math.min(400, 8 + Math.floor(count / 6)) }, (_, f) => {
        const kind = profile.kinds[f % profile.kinds.length]!;
        const folder = profile.dirs[f % profile.dirs.length]!;
        return /^[A-Z]/.test(kind) ? `${folder}/${kind}` : `${folder}/${WORDS[f % WORDS.length]}${f >= WORDS.length ? f : ''}.${kind}`;
      });
      if (options.hostile && r === hostilePath) files.unshift(HOSTILE.path);
      files.push('README.md', 'package.json', '.gitignore');

      // Some repositories are mostly one person's (a bus factor of 1), others are shared.
      const focus = r % 4 === 3 ? 5 : 1.8;
      const commits: RowInput<'commits'>[] = [];
      const changes: RowInput<'commit_files'>[] = [];
      const touched = new Map<string, Map<Person, number>>();
      let previous: string | null = null;
      for (let i = 0; i < count; i++) {
        const bot = random() < 0.06 ? BOTS[Math.floor(random() * BOTS.length)]! : null;
        const who = bot ?? skewed(random, team, focus);
        const email = who.emails[i % who.emails.length]!;
        const time = workTime(random, who, born, end);
        const sha = hex(random);
        const merge = !bot && previous !== null && i % 12 === 11;
        const parents = previous === null ? [] : merge ? [previous, hex(random)] : [previous];
        const picked = new Set<string>(bot ? ['package.json'] : Array.from({ length: randomInt(random, 1, 4) }, () => skewed(random, files)));
        let additions = 0;
        let deletions = 0;
        for (const path of picked) {
          const add = randomInt(random, 1, 60);
          const del = randomInt(random, 0, 30);
          additions += add;
          deletions += del;
          changes.push({ sha, path, status: i === 0 ? 'A' : 'M', additions: add, deletions: del });
          const authors = touched.get(path) ?? new Map<Person, number>();
          authors.set(who, (authors.get(who) ?? 0) + add);
          touched.set(path, authors);
        }
        const subject = options.hostile && i === count - 1 ? HOSTILE.message : bot ? `Bump dependency ${WORDS[i % WORDS.length]} to ${1 + (i % 9)}.${i % 13}.0` : `${merge ? 'Merge branch' : ['Fix', 'Add', 'Refactor', 'Update', 'Speed up'][i % 5]} ${WORDS[(i * 3) % WORDS.length]} ${merge ? 'into main' : 'handling'}`;
        commits.push({
          sha, parents, message: `${subject}\n\nDetails of change ${i}.\n`,
          author_name: who.name, author_email: email, author_time: time, author_tz_offset: who.tz,
          committer_name: who.name, committer_email: email, committer_time: time + 30, committer_tz_offset: who.tz,
          additions, deletions, files_changed: picked.size,
        });
        previous = sha;
      }
      written += commits.length;

      // Ownership at HEAD: each touched file's lines, shared by whoever added the most to it.
      const ownership: RowInput<'ownership'>[] = [];
      for (const [path, authors] of touched) {
        const length = /\.(md|toml|json|ya?ml|cfg|txt|mod|properties|gitignore)$/.test(path) ? randomInt(random, 5, 80) : randomInt(random, 40, 900);
        const sum = [...authors.values()].reduce((a, b) => a + b, 0);
        for (const [who, added] of authors) {
          const lines = Math.round((length * added) / sum);
          if (lines > 0) ownership.push({ path, author_name: who.name, author_email: who.emails[0]!, lines });
        }
      }
      const head = commits.at(-1)?.sha ?? null;
      const requests = r % 3 === 0;
      if (requests) withRequests.push(name);
      const logins = team.filter((p) => p.login);
      const pullRequests: RowInput<'pull_requests'>[] = [];
      const issues: RowInput<'issues'>[] = [];
      if (requests) {
        for (let n = 1; n <= Math.max(3, Math.floor(count / 8)); n++) {
          const by = random() < 0.15 ? BOTS[0]! : skewed(random, logins.length ? logins : team);
          const created = born + Math.floor(random() * (end - born));
          const fate = random();
          const closed = fate < 0.85 ? Math.min(end, created + randomInt(random, 3600, 20 * 86_400)) : null;
          const merged = closed !== null && fate < 0.7 ? closed : null;
          pullRequests.push({ number: n, title: `${['Add', 'Fix', 'Improve'][n % 3]} ${WORDS[n % WORDS.length]}`, state: merged ? 'merged' : closed ? 'closed' : 'open', author_login: by.login, created_time: created, closed_time: closed, merged_time: merged, url: `https://github.com/${name}/pull/${n}` });
        }
        for (let n = 1; n <= Math.max(2, Math.floor(count / 12)); n++) {
          const created = born + Math.floor(random() * (end - born));
          const closed = random() < 0.75 ? Math.min(end, created + randomInt(random, 3600, 60 * 86_400)) : null;
          issues.push({ number: 10_000 + n, title: `${WORDS[n % WORDS.length]} is slow`, state: closed ? 'closed' : 'open', author_login: skewed(random, team).login, created_time: created, closed_time: closed, comments: randomInt(random, 0, 12), labels: n % 2 ? ['bug'] : ['enhancement'] });
        }
      }
      await writer.writeRepository(name, {
        repositories: [{
          provider: 'github', name: name.split('/').pop()!, url: options.hostile && r === 1 ? HOSTILE.url : `https://github.com/${name}`,
          clone_url: `https://github.com/${name}.git`, default_branch: 'main', head_sha: head,
          description: options.hostile && r === 1 ? HOSTILE.description : `The ${WORDS[r % WORDS.length]} service`, language: null, stars: randomInt(random, 0, 900),
          is_fork: false, is_archived: r % 11 === 10, is_private: false, is_empty: count === 0, is_shallow: false,
        }],
        commits,
        commit_files: changes,
        branches: [{ name: 'main', sha: head ?? '0'.repeat(40), is_default: true }, ...(count > 20 ? [{ name: 'feature/next', sha: commits[count - 5]!.sha, is_default: false }] : [])],
        ownership,
        login_hints: logins.flatMap((p) => p.emails.map((email) => ({ email, login: p.login! }))),
        pull_requests: pullRequests,
        issues,
      });
    }
    const failed: string[] = [];
    for (let i = 0; i < (options.failed ?? 0); i++) {
      const name = `${owner}gone-${i}`;
      failed.push(name);
      await writer.recordError(name, { phase: 'clone', message: 'repository not found (HTTP 404)', code: 'GITFLEET_GIT_NOT_FOUND' });
    }
    await writer.finalize();
    return { dir, repositories: names, sizes: counts, commits: written, withRequests, failed, hostile: HOSTILE };
  } finally {
    await writer.close();
  }
}
