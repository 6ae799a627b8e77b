import { Command, CommanderError, Option } from 'commander';
import { analyzeCommand } from './commands/analyze.js';
import { blameCommand } from './commands/blame.js';
import { registerCacheCommands } from './commands/cache.js';
import { cloneCommand } from './commands/clone.js';
import { commitsCommand } from './commands/commits.js';
import { registerAiCommands } from './commands/commit.js';
import { registerForgeCommands } from './commands/forge.js';
import { registerTokensCommands } from './commands/tokens.js';
import { branchesCommand, diffCommand, filesCommand } from './commands/simple.js';
import { ENGINES, FORMATS, type RunContext } from './context.js';
import { describeError, EXIT, UsageError } from './errors.js';
import { CSV_SAFE_HELP } from './output.js';

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const MAX_FILE_SIZE_HELP =
  'skip files larger than this, with a note on stderr (default 50MB; e.g. 512KB, 200MB, 1GB, or none)';
const CLONE_HELP = `
github:/gitlab: targets are cloned from the web host of GITHUB_API_URL / GITLAB_API_URL
(default github.com / gitlab.com), e.g. https://ghe.example.com/api/v3 -> https://ghe.example.com.

Credentials (HTTPS): each token goes only to its own host (and port), only over https or to a
loopback address (127.0.0.0/8, ::1, localhost) over http, never to a host a server redirects to:
  GITFLEET_GIT_TOKENS=host=token,host2=token2   tokens per host
  GITFLEET_GIT_TOKEN + GITFLEET_GIT_HOST        one token for one host (default github.com)
  gitfleet tokens add git --host <host>         the encrypted credential store
GITFLEET_GIT_USERNAME sets the Basic-auth username. git gets the token through its environment,
never on a command line or in .git/config. SSH URLs use the SSH agent.

A clone appears in --dir only once complete; a second run refreshes it, refusing to drop local
commits (a branch that diverged from the server fails with GITFLEET_GIT_DIVERGED).`;

const MINE_HELP = `
Each repository is cloned bare into --clones (or read in place for a local path), then its metadata,
every commit reachable from its branches (author, committer, time zones, totals; the .mailmap
applied), the per-file changes of each commit, its branches and the blame ownership at the default
branch are published to the dataset at once: a killed run leaves no partial repository. A rerun
refreshes the clones and mines only repositories whose branches (or the options) changed.
A repository that fails is recorded in the errors table and the rest go on (exit 1).

Examples:
  gitfleet mine github:acme gitlab:acme/platform --out data --no-forks --exclude-path "vendor/**"
  gitfleet repos github:acme -f ndjson | gitfleet mine --from - --out data --include "acme/api-*"
  gitfleet mine . ../other-repo --out data && gitfleet query --data data --named top-authors

Tokens and clone credentials: as for \`gitfleet repos\` and \`gitfleet clone\` (see their --help).

Beyond one machine (--queue): the fleet is listed here and enqueued in Redis (a BullMQ flow: one job
per repository); \`gitfleet worker --queue <url>\` processes on any machine mine them into --out, which
every worker must reach at the same path (a shared volume); the last step (authors, fleet.duckdb)
runs on a worker when every repository is done. One run per --out at a time. Job data holds no
token: workers use their own environment or credential store. A Redis password belongs in
GITFLEET_QUEUE_URL, not on the command line.
  gitfleet mine github:acme --out /shared/data --queue redis://redis:6379
  gitfleet mine github:acme --out /shared/data --queue redis://redis:6379 --detach
  gitfleet mine --status --queue redis://redis:6379`;

const REPORT_HELP = `
The report (--format html, gitfleet report) is one HTML file with everything inlined: it opens from
disk with no network request (its Content-Security-Policy forbids any), and prints. Charts: commits
per month (fleet, per repository), top authors by commits and surviving lines (identities merged
across the fleet), ownership and bus factor, churn hotspots, weekday x hour activity in each
author's own time zone, languages by file extension, pull requests and issues per month (when the
dataset has them). Tables sort and filter; click a repository for its own view.
Examples:
  gitfleet mine github:acme --out data --with prs,issues && gitfleet report --data data -o acme.html
  gitfleet analyze ./my-repo --format html -o my-repo.html`;

/** Options every repository command shares. */
function common(cmd: Command, formats: readonly string[] = FORMATS, defaultFormat = 'table'): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats).default(defaultFormat))
    .addOption(new Option('--engine <engine>', 'git engine: auto picks the faster one per operation').choices(ENGINES).default('auto'))
    .option('--no-cache', 'do not read or write the result cache')
    .option('--cache-dir <dir>', 'result cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir; limit: GITFLEET_CACHE_MAX_SIZE, see `gitfleet cache --help`)')
    .option('--csv-safe', CSV_SAFE_HELP);
}

export function buildProgram(ctx: RunContext, setExit: (code: number) => void): Command {
  const program = new Command('gitfleet')
    .description('Analyse git repositories at fleet scale: history with stats, bulk blame, branches, files, staged diffs.')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  common(
    program
      .command('commits')
      .description('list commits with per-commit stats (against the first parent, renames detected)')
      .argument('<repo>', 'repository path')
      .option('--since <date>', 'only commits newer than this (any date git accepts)')
      .option('--until <date>', 'only commits older than this')
      .option('-n, --max-count <n>', 'at most this many commits')
      .option('--all', 'walk every ref, not just HEAD')
      .option('--rev <rev>', 'a revision or range (repeatable), e.g. main or v1..v2', collect)
      .option('--author <pattern>', 'only commits whose author matches (regex)')
      .option('--path <path>', 'only commits touching this path (repeatable)', collect)
      .option('--files', 'include per-file changes')
      .option('--mailmap', 'apply .mailmap to names and emails'),
  ).action(async (repo: string, opts: unknown) => commitsCommand(repo, opts, ctx));

  common(
    program
      .command('blame')
      .description('blame many files in parallel (every tracked file by default)')
      .argument('<repo>', 'repository path')
      .argument('[paths...]', 'files, directories or globs (quote globs), relative to the repository root')
      .option('--rev <rev>', 'revision to blame at (default HEAD)')
      .option('--summary', 'surviving lines per author instead of per-line output: one walk over history with git blame\'s attribution (files it cannot attribute exactly are blamed by git)')
      .option('-j, --concurrency <n>', 'files blamed at once (default: CPU cores)')
      .option('--max-file-size <size>', MAX_FILE_SIZE_HELP),
  ).action(async (repo: string, paths: string[], opts: unknown) => {
    const failed = await blameCommand(repo, paths, opts, ctx);
    if (failed > 0) setExit(EXIT.failure);
  });

  common(program.command('branches').description('local and remote branches').argument('<repo>', 'repository path')).action(
    async (repo: string, opts: unknown) => branchesCommand(repo, opts, ctx),
  );

  common(
    program
      .command('files')
      .description('tracked files matching globs at a revision')
      .argument('<repo>', 'repository path')
      .argument('[globs...]', "globs such as 'src/**/*.ts' (quote them); none lists every file")
      .option('--rev <rev>', 'revision (default HEAD)'),
  ).action(async (repo: string, globs: string[], opts: unknown) => filesCommand(repo, globs, opts, ctx));

  common(
    program
      .command('diff')
      .description('the staged diff (index against HEAD); --format patch prints it byte-exact')
      .argument('<repo>', 'repository path')
      .option('--staged', 'compare the index with HEAD (required)'),
    ['patch', ...FORMATS],
    'patch',
  ).action(async (repo: string, opts: unknown) => diffCommand(repo, opts, ctx));

  program
    .command('clone')
    .description('clone many repositories at once, or refresh (fetch + fast-forward) the ones already in --dir')
    .argument('[repos...]', 'repository URLs (https or ssh), github:<owner>/<repo> or gitlab:<group>/<project>')
    .option('--from <file>', "read repositories from a file ('-' for stdin): one URL or github:/gitlab: target per line, or the ndjson/json that `gitfleet repos` prints")
    .option('--dir <dir>', 'parent directory of the clones', '.')
    .option('--depth <n>', 'shallow clone with this many commits')
    .option('--branch <branch>', 'branch or tag to check out')
    .option('--bare', 'bare clones (no work tree), for analysis')
    .option('-j, --concurrency <n>', 'clones at once (default: CPU cores, at least 2)')
    .option('--timeout <seconds>', 'time limit per clone attempt')
    .option('--retries <n>', 'retries of transient failures (never of auth failures)', '2')
    .addOption(new Option('-f, --format <format>', 'output format: ndjson/json print each result as it settles').choices(['table', 'json', 'ndjson']).default('table'))
    .addHelpText('after', CLONE_HELP)
    .action(async (urls: string[], opts: unknown) => {
      const failed = await cloneCommand(urls, opts, ctx);
      if (failed > 0) setExit(EXIT.failure);
    });

  program
    .command('mine')
    .description('mine repositories into a dataset: metadata, every commit of every branch with per-file changes, branches, blame ownership (Parquet + fleet.duckdb)')
    .argument('[sources...]', 'github:<owner>, gitlab:<group>, github:<owner>/<repo>, gitlab:<group>/<project>, clone URLs, local repository paths')
    .option('--out <dir>', 'the dataset directory (created if missing; a rerun updates it); required but with --status')
    .option('--from <file>', "read sources from a file ('-' for stdin): one per line, or the ndjson/json that `gitfleet repos` prints")
    .option('--clones <dir>', 'where the bare clones are kept between runs (default <out>/.clones)')
    .option('--include <glob>', 'provider listings: only repositories whose full name matches (repeatable), e.g. "acme/api-*"', collect)
    .option('--exclude <glob>', 'provider listings: leave out repositories whose full name matches (repeatable)', collect)
    .option('--no-forks', 'provider listings: leave out forks')
    .option('--no-archived', 'provider listings: leave out archived repositories')
    .option('--since <date>', 'only commits newer than this (committer date): 2024-01-01 (UTC), ISO 8601 or unix seconds')
    .option('--until <date>', 'only commits older than this')
    .option('--exclude-path <glob>', 'leave these files out of commit_files, ownership and blame_lines (repeatable), e.g. "vendor/**"', collect)
    .option('--no-blame', 'skip blame ownership (much faster on big repositories)')
    .option('--blame-lines', 'also keep every blamed line (table blame_lines)')
    .option('--with <data>', 'provider data too, for provider repositories: prs, issues, contributors (comma-separated)')
    .option('-j, --jobs <n>', 'repositories extracted at once (default: CPU cores)')
    .option('--clone-jobs <n>', 'clones or refreshes at once (default 4)')
    .option('--max-file-size <size>', `${MAX_FILE_SIZE_HELP}; in history they count as binary`)
    .option('--timeout <seconds>', 'time limit per clone attempt')
    .option('--retries <n>', 'retries of transient clone failures', '2')
    .addOption(new Option('-f, --format <format>', 'table: bars on a TTY and a summary; ndjson: one event per line, then the summary; json: the summary').choices(['table', 'json', 'ndjson']).default('table'))
    .option('--no-cache', 'no conditional-request cache for provider listings (by default a repeated listing costs no quota)')
    .option('--cache-dir <dir>', 'cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir)')
    .option('--queue <url>', 'run on a BullMQ queue in Redis, redis://host:port[/db] (default $GITFLEET_QUEUE_URL): enqueue one job per repository for `gitfleet worker`s, follow the run until the dataset is finalized')
    .option('--detach', 'with --queue: enqueue and return (follow with --status)')
    .option('--status', 'with --queue: report the runs in progress (with --out: that directory\'s runs, finished ones too)')
    .option('--attempts <n>', 'with --queue: attempts per repository before it is recorded as failed (default 3; retries back off exponentially from 2 s)')
    .addHelpText('after', MINE_HELP)
    .action(async (sources: string[], opts: unknown) => {
      const failed = await (await import('./commands/mine.js')).mineCommand(sources, opts, ctx);
      if (failed > 0) setExit(EXIT.failure);
    });

  program
    .command('worker')
    .description('take `gitfleet mine --queue` jobs from Redis until stopped (SIGTERM or Ctrl-C finishes or hands back the jobs under way)')
    .option('--queue <url>', 'redis://host:port[/db] (default $GITFLEET_QUEUE_URL)')
    .option('-c, --concurrency <n>', 'repositories mined at once (default: CPU cores)')
    .option('--blame-concurrency <n>', 'files blamed at once per repository (default: CPU cores, at least 2)')
    .option('--lock-duration <seconds>', 'how long a job stays locked without renewal: a killed worker\'s job is taken over after it (default 30)')
    .option('--grace <seconds>', 'on SIGTERM, how long jobs under way may take before they are handed back to the queue', '30')
    .addOption(new Option('-f, --format <format>', 'text: a line per event on stderr; ndjson: events on stdout').choices(['text', 'ndjson']).default('text'))
    .option('--no-cache', 'no conditional-request cache for provider requests')
    .option('--cache-dir <dir>', 'cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir)')
    .addHelpText(
      'after',
      `
The output directory of each run comes with its jobs; this worker must reach it at the same path.
Tokens: this process's environment and credential store (as for gitfleet mine); rate budgets are
shared with every other worker through Redis. Example:
  GITFLEET_QUEUE_URL=redis://redis:6379 gitfleet worker --concurrency 2`,
    )
    .action(async (opts: unknown) => {
      setExit(await (await import('./commands/queue.js')).workerCommand(opts, ctx));
    });

  common(
    program
      .command('analyze')
      .description('the report: commits and time span, authors, surviving-line ownership, most-churned files (followed through renames)')
      .argument('<repo>', 'repository path, or a URL to clone (bare, into a temp dir removed afterwards)')
      .option('--rev <rev>', 'revision to analyse (default HEAD)')
      .option('--top <n>', 'how many churned files to list', '10')
      .option('--no-mailmap', 'do not apply .mailmap to history (blame always applies it, as git blame does)')
      .option('--max-file-size <size>', `${MAX_FILE_SIZE_HELP}; in history they count as binary`)
      .option('--since <date>', 'only commits newer than this (2024-01-01, ISO 8601 or unix seconds)')
      .option('--until <date>', 'only commits older than this')
      .option('--exclude-path <glob>', 'leave these files out of ownership and churn (repeatable), e.g. "vendor/**"', collect)
      .option('--out <dir>', 'with --format parquet: the dataset directory, written as `gitfleet mine` writes it')
      .option('-o, --output <file>', "with --format html: the report file (default report.html; '-' for stdout)")
      .option('--title <text>', 'with --format html: the heading of the report (default: the repository)')
      .option('--include-bots', 'with --format html: count bots too (left out by default)')
      .addHelpText('after', REPORT_HELP),
    ['table', 'json', 'parquet', 'html'],
  ).action(async (repo: string, opts: unknown) => {
    const failed = await analyzeCommand(repo, opts, ctx);
    if (failed > 0) setExit(EXIT.failure);
  });

  program
    .command('report')
    .description('one self-contained HTML report of a dataset written by gitfleet mine: charts and tables, fleet and per repository')
    .requiredOption('--data <dir>', 'the dataset directory')
    .option('-o, --output <file>', "the report file ('-' for stdout)", 'report.html')
    .option('--title <text>', 'the heading of the report (default: "Fleet report", or the repository for one)')
    .option('--include-bots', 'count bots (dependabot, renovate, [bot], ...) in every chart and table; left out by default')
    .option('--threshold <share>', 'bus factor: the share of the surviving lines its owners hold (default 0.5)')
    .option('--top <n>', 'authors, owners, files and languages per chart and per repository (default 15)')
    .option('--max-authors <n>', 'rows of the fleet authors table (default 500)')
    .option('--repair', 'complete a publish that a killed writer left unfinished, instead of refusing the dataset')
    .addHelpText('after', REPORT_HELP)
    .action(async (opts: unknown) => (await import('./commands/report.js')).reportCommand(opts, ctx));

  program
    .command('query')
    .description('query a dataset written by gitfleet mine: SQL over its tables, or a named query')
    .argument('[sql]', 'the SQL to run, e.g. "SELECT repository, count(*) FROM commits GROUP BY 1"')
    .requiredOption('--data <dir>', 'the dataset directory')
    .option('--named [name]', 'run a named query (top-authors, active-repositories, bus-factor, hotspots); alone, list them')
    .option('--param <name=value>', 'a parameter of the named query (repeatable), e.g. --param limit=50', collect)
    .option('--include-bots', 'named queries: count bots too (left out by default)')
    .option('--repair', 'complete a publish that a killed writer left unfinished, instead of refusing the dataset')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--csv-safe', CSV_SAFE_HELP)
    .addHelpText(
      'after',
      '\nTables: repositories, commits, commit_files, branches, ownership, blame_lines, authors, author_identities,\nerrors, login_hints, pull_requests, issues, contributors (see packages/dataset/SCHEMA.md).\nExamples:\n  gitfleet query --data data "SELECT name, commits FROM authors WHERE NOT is_bot ORDER BY commits DESC LIMIT 10"\n  gitfleet query --data data --named bus-factor --param threshold=0.8 --format csv',
    )
    .action(async (sql: string | undefined, opts: unknown) => (await import('./commands/query.js')).queryCommand(sql, opts, ctx));

  registerForgeCommands(program, ctx);
  registerTokensCommands(program, ctx, setExit);
  registerAiCommands(program, ctx);
  registerCacheCommands(program);

  return program;
}

/** Runs the CLI and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let code: number = EXIT.ok;
  const program = buildProgram({ signal: controller.signal }, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (controller.signal.aborted) {
      process.stderr.write('gitfleet: interrupted\n');
      return EXIT.interrupted;
    }
    process.stderr.write(`gitfleet: ${describeError(error)}\n`);
    if (error instanceof UsageError) return EXIT.usage;
    const code = (error as { code?: unknown }).code;
    // Invalid options of any of our packages: GITFLEET_GIT_INVALID_OPTION, GITFLEET_PROVIDER_INVALID_OPTION, ...
    if (typeof code === 'string' && /^GITFLEET_[A-Z]+_INVALID_OPTION$/.test(code)) return EXIT.usage;
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// Piping into `head` closes stdout early: that is success, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

process.exitCode = await run(process.argv);
