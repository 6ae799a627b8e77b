import { Option, type Command } from 'commander';
import { createGitHubClient, createGitLabClient, isProviderError, type ProviderClient, type Repository } from '@gitfleet/providers';
import { maskToken } from '@gitfleet/tokens';
import { z } from 'zod';
import { listRepositories, parseTarget } from '@gitfleet/session';
import { FORMATS, parseOptions, positiveInt, session, type RunContext } from '../context.js';
import { createWaitNotice } from '../forge/wait-notice.js';
import { CSV_SAFE_HELP, ItemWriter, table, write, type Format } from '../output.js';

const forgeSchema = z.object({
  format: z.enum(FORMATS).default('table'),
  cache: z.boolean().default(true),
  cacheDir: z.string().optional(),
  raw: z.boolean().default(false),
  limit: positiveInt.optional(),
  csvSafe: z.boolean().default(false),
});
type ForgeCliOptions = z.infer<typeof forgeSchema>;

function forgeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format (ndjson: one normalized model per line)').choices(FORMATS).default('table'))
    .option('--limit <n>', 'stop after this many items (no further pages are fetched)')
    .option('--raw', "json/ndjson: keep the provider's raw payload on each model")
    .option('--no-cache', 'no conditional-request cache (by default a repeated listing is answered by 304s that cost no quota)')
    .option('--cache-dir <dir>', 'cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir)')
    .option('--csv-safe', CSV_SAFE_HELP);
}

const TOKENS_HELP = `
Tokens: the credential store (gitfleet tokens add; unlocked by GITFLEET_CREDENTIALS_PASSPHRASE or
GITFLEET_CREDENTIALS_KEY), GITHUB_TOKEN (or gh's GH_TOKEN) / GITLAB_TOKEN, or pools in GITHUB_TOKENS /
GITLAB_TOKENS (comma-separated). Requests rotate across the identities behind them by remaining
budget; a request cached by one identity goes back to it, so a repeated listing costs nothing.
A wait for a rate limit longer than a few seconds is announced on stderr.
Self-hosted: GITHUB_API_URL (e.g. https://ghe.example.com/api/v3) and GITLAB_API_URL.
Proxies: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (tokens only travel inside the tunnel to their API).`;

interface Column<T> {
  head: string;
  value: (item: T) => string | number;
  align?: 'left' | 'right';
}

/** Streams `items` in the chosen format; tables are printed once complete. */
async function output<T extends { raw?: unknown }>(items: AsyncIterable<T>, opts: ForgeCliOptions, columns: Column<T>[]): Promise<number> {
  const strip = (item: T): Record<string, unknown> => {
    if (opts.raw) return item as Record<string, unknown>;
    const { raw: _raw, ...rest } = item;
    return rest;
  };
  let count = 0;
  const rows: (string | number)[][] = [];
  const writer = opts.format === 'table' ? undefined : new ItemWriter<Record<string, unknown>>(opts.format as Exclude<Format, 'table'>, undefined, opts);
  for await (const item of items) {
    if (writer) await writer.add(strip(item));
    else rows.push(columns.map((c) => c.value(item)));
    if (++count === opts.limit) break;
  }
  if (writer) await writer.end();
  else await write(table(columns.map((c) => c.head), rows, columns.map((c) => c.align ?? 'left')));
  return count;
}

const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '');

const REPO_COLUMNS: Column<Repository>[] = [
  { head: 'repository', value: (r) => r.fullName },
  { head: 'visibility', value: (r) => r.visibility },
  { head: 'default', value: (r) => r.defaultBranch ?? '' },
  { head: 'stars', value: (r) => r.stars, align: 'right' },
  { head: 'forks', value: (r) => r.forks, align: 'right' },
  { head: 'archived', value: (r) => (r.archived ? 'yes' : '') },
  { head: 'updated', value: (r) => day(r.updatedAt) },
];

async function withClient<T>(provider: 'github' | 'gitlab', opts: ForgeCliOptions, fn: (client: ProviderClient) => Promise<T>): Promise<T> {
  return fn(await session(opts, { onWait: createWaitNotice() }).providerClient(provider));
}

export function registerForgeCommands(program: Command, ctx: RunContext): void {
  forgeOptions(
    program
      .command('repos')
      .description('repositories of a GitHub user or org (private ones the token can see included) or a GitLab group with its subgroups')
      .argument('<owner>', 'github:<owner> or gitlab:<group>, e.g. github:nodejs or gitlab:gitlab-org/security')
      .option('--details', 'fetch each repository in full (one more request per repository)'),
  )
    .addHelpText('after', TOKENS_HELP)
    .action(async (spec: string, raw: unknown) => {
      const opts = parseOptions(forgeSchema.extend({ details: z.boolean().default(false) }), raw);
      const target = parseTarget(spec, 'owner');
      await withClient(target.provider, opts, async (client) => {
        // Read-ahead stays within --limit: no repository past it is fetched in full.
        const repos = listRepositories(client, target.path, { details: opts.details, signal: ctx.signal, ...(opts.limit ? { limit: opts.limit } : {}) });
        await output(repos, opts, REPO_COLUMNS);
      });
    });

  const states = ['open', 'closed', 'all'] as const;
  /** A listing of one repository: `<provider:owner/repo>`, optionally `--state`. */
  const repoList = <T extends { raw?: unknown }>(
    name: string,
    description: string,
    withState: boolean,
    list: (client: ProviderClient, repo: string, state: (typeof states)[number], signal: AbortSignal) => AsyncIterable<T>,
    columns: Column<T>[],
  ): void => {
    const cmd = program.command(name).description(description).argument('<repo>', 'github:<owner>/<repo> or gitlab:<group>/<project>');
    if (withState) cmd.addOption(new Option('--state <state>', 'open, closed or all').choices(states).default('open'));
    forgeOptions(cmd)
      .addHelpText('after', TOKENS_HELP)
      .action(async (spec: string, raw: unknown) => {
        const opts = parseOptions(forgeSchema.extend({ state: z.enum(states).default('open') }), raw);
        const target = parseTarget(spec, 'repo');
        await withClient(target.provider, opts, (client) => output(list(client, target.path, opts.state, ctx.signal), opts, columns));
      });
  };

  repoList('issues', 'issues of a repository (pull requests left out)', true, (c, repo, state, signal) => c.listIssues(repo, { state, signal }), [
    { head: '#', value: (i) => i.number, align: 'right' },
    { head: 'state', value: (i) => i.state },
    { head: 'title', value: (i) => truncate(i.title, 70) },
    { head: 'author', value: (i) => i.author ?? '' },
    { head: 'comments', value: (i) => i.comments, align: 'right' },
    { head: 'updated', value: (i) => day(i.updatedAt) },
  ]);

  repoList('pulls', 'pull requests (GitHub) or merge requests (GitLab) of a repository', true, (c, repo, state, signal) => c.listPullRequests(repo, { state, signal }), [
    { head: '#', value: (p) => p.number, align: 'right' },
    { head: 'state', value: (p) => (p.draft && p.state === 'open' ? 'draft' : p.state) },
    { head: 'title', value: (p) => truncate(p.title, 60) },
    { head: 'author', value: (p) => p.author ?? '' },
    { head: 'branches', value: (p) => `${p.sourceBranch} -> ${p.targetBranch}` },
    { head: 'updated', value: (p) => day(p.updatedAt) },
  ]);

  repoList('contributors', 'contributors of a repository with their commit counts', false, (c, repo, _state, signal) => c.listContributors(repo, { signal }), [
    { head: 'contributor', value: (c) => c.login ?? c.name ?? '' },
    { head: 'email', value: (c) => c.email ?? '' },
    { head: 'commits', value: (c) => c.contributions, align: 'right' },
  ]);

  program
    .command('rate-limit')
    .description('remaining API budget of every configured token, per resource (on GitHub free once each token was looked up)')
    .addOption(new Option('--provider <provider>', 'only this provider').choices(['github', 'gitlab']))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson']).default('table'))
    .option('--no-cache', 'look every GitHub login up afresh (one request per token)')
    .option('--cache-dir <dir>', 'cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir)')
    .addHelpText('after', RATE_LIMIT_COST + TOKENS_HELP)
    .action(async (raw: unknown) => {
      const schema = z.object({
        provider: z.enum(['github', 'gitlab']).optional(),
        format: z.enum(['table', 'json', 'ndjson']),
        cache: z.boolean().default(true),
        cacheDir: z.string().optional(),
      });
      await rateLimit(parseOptions(schema, raw), ctx);
    });
}

const RATE_LIMIT_COST = `
Cost: GitHub's GET /rate_limit is free. The login of each token comes from GET /user, a
conditional request answered from the cache (free) after the first run, which spends one request
per token (--no-cache: every run). GitLab has no rate-limit endpoint: its budget is read from
GET /user, one request per token on every run.`;

interface RateRow {
  provider: string;
  token: string;
  login: string | null;
  resource: string;
  limit: number;
  remaining: number;
  used: number;
  resetAt: string;
}

async function rateLimit(
  opts: { provider?: 'github' | 'gitlab' | undefined; format: 'table' | 'json' | 'ndjson'; cache: boolean; cacheDir?: string | undefined },
  ctx: RunContext,
): Promise<void> {
  const rows: RateRow[] = [];
  const shared = session(opts);
  const all = await shared.tokenSources();
  const cache = shared.httpCache;
  for (const provider of opts.provider ? [opts.provider] : (['github', 'gitlab'] as const)) {
    const sources = all.filter((s) => s.provider === provider);
    // Anonymous GitHub has a budget of its own (per IP); GitLab needs a token to say anything useful.
    const entries = sources.length > 0 ? sources.map((s) => ({ token: s.token, baseUrl: s.baseUrl })) : provider === 'github' ? [{ token: undefined, baseUrl: undefined }] : [];
    for (const entry of entries) {
      const options = { cache, userAgent: 'gitfleet-cli', ...(entry.token ? { token: entry.token } : {}), ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}) };
      const client = provider === 'github' ? createGitHubClient(options) : createGitLabClient(options);
      const call = { signal: ctx.signal };
      // GitHub: the free GET /rate_limit, and the login from a conditional GET /user (a 304 costs
      // nothing). GitLab: one GET /user gives both.
      const [login, limits] = await Promise.all([
        provider === 'github' && entry.token ? githubLogin(client, call) : Promise.resolve(null),
        client.getRateLimit(call),
      ]);
      for (const r of limits.resources) {
        rows.push({
          provider,
          token: entry.token ? maskToken(entry.token) : '(anonymous)',
          login: login ?? limits.login ?? null,
          resource: r.resource,
          limit: r.limit,
          remaining: r.remaining,
          used: r.used,
          resetAt: new Date(r.resetAt).toISOString(),
        });
      }
    }
  }
  if (opts.format === 'json') return write(`${JSON.stringify(rows, null, 2)}\n`);
  if (opts.format === 'ndjson') return write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const now = Date.now();
  await write(
    table(
      ['provider', 'token', 'login', 'resource', 'remaining', 'limit', 'resets in'],
      rows.map((r) => [r.provider, r.token, r.login ?? '', r.resource, r.remaining, r.limit, `${String(Math.max(0, Math.ceil((Date.parse(r.resetAt) - now) / 60_000)))} min`]),
      ['left', 'left', 'left', 'left', 'right', 'right', 'right'],
    ),
  );
}

/** The token's login; null for an app installation token, which cannot read /user. */
async function githubLogin(client: ProviderClient, call: { signal: AbortSignal }): Promise<string | null> {
  try {
    return (await client.getAuthenticatedUser(call)).login;
  } catch (error) {
    if (isProviderError(error) && error.code === 'GITFLEET_PROVIDER_FORBIDDEN') return null;
    throw error;
  }
}

function truncate(text: string, n: number): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
