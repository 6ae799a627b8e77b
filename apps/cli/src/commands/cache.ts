import { Option, type Command } from 'commander';
import { CacheStore, DEFAULT_MAX_SIZE, formatSize, parseAge, type CacheInfo, type CleanResult } from '@gitfleet/cache';
import { z } from 'zod';
import { parseOptions } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTime, table, write } from '../output.js';

/** What each kind of entry holds; `cache clean` takes these names. */
const KINDS = {
  history: 'commit lists with stats (commits, analyze)',
  blame: 'per-file blame results (blame, and analyze or mine for files the ownership walk leaves to git blame)',
  ownership: 'line owners carried through history at a commit, for a later walk from there (analyze, blame --summary, mine)',
  'ai-conventions': 'commit conventions learned from a repository, per HEAD (commit-msg, commit, the hook)',
  http: 'GitHub/GitLab responses for conditional requests (repos, issues, pulls, contributors, members)',
} as const;
const KIND_NAMES = Object.keys(KINDS);

const CACHE_HELP = `
The cache keeps results that stay exact for what they were computed from (commit and blob ids,
refs, .mailmap, API validators), so a rerun over an unchanged repository is fast. A damaged or
foreign entry is detected, recomputed and replaced; repository commands take --no-cache to skip it.

Where: --cache-dir, else GITFLEET_CACHE_DIR, else the user cache dir (~/.cache/gitfleet on Linux).
Size: at most GITFLEET_CACHE_MAX_SIZE, in bytes or with a unit (512K, 100M, 2G; powers of 1024;
default ${formatSize(DEFAULT_MAX_SIZE)}). Past it, the least recently used entries are removed as commands end.

Kinds:
${Object.entries(KINDS).map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join('\n')}`;

const schema = z.object({ format: z.enum(['table', 'json']), cacheDir: z.string().min(1).optional() });

function options(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--cache-dir <dir>', 'cache directory (default: $GITFLEET_CACHE_DIR or the user cache dir)');
}

const store = (cacheDir: string | undefined): CacheStore => new CacheStore(cacheDir ? { dir: cacheDir } : {});
const when = (iso: string | null): string => (iso ? formatTime(Date.parse(iso) / 1000, null) : '');

/** `gitfleet cache info | clean` */
export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('show or clean the on-disk result cache (history, blame, HTTP)').addHelpText('after', CACHE_HELP);

  options(
    cache
      .command('info')
      .description('the cache directory, its size and limit, and entries per kind (a full scan)')
      .addHelpText('after', '\nExamples:\n  gitfleet cache info\n  gitfleet cache info --format json'),
  ).action(async (raw: unknown) => {
    const opts = parseOptions(schema, raw);
    const info = await store(opts.cacheDir).info();
    await write(opts.format === 'json' ? `${JSON.stringify(info, null, 2)}\n` : renderInfo(info));
  });

  options(
    cache
      .command('clean')
      .description('remove cache entries: all of them, some kinds, or those not used for a while')
      .argument('[kinds...]', `which kinds to remove: ${KIND_NAMES.join(', ')} (default: all)`)
      .option('--older-than <age>', 'only entries not used for this long: a number and a unit, e.g. 30m, 12h, 7d, 2w')
      .addHelpText(
        'after',
        `\nEntries being written by a running command are left alone. A later run recomputes what was removed.\n\nExamples:\n  gitfleet cache clean                    everything\n  gitfleet cache clean http               only the HTTP responses\n  gitfleet cache clean --older-than 7d    entries not used for a week\n  gitfleet cache clean blame --older-than 30d --format json\n\nKinds:\n${Object.entries(KINDS).map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join('\n')}`,
      ),
  ).action(async (kinds: string[], raw: unknown) => {
    const opts = parseOptions(schema.extend({ olderThan: z.string().optional() }), raw);
    const unknown = kinds.filter((k) => !KIND_NAMES.includes(k));
    if (unknown.length > 0) throw new UsageError(`unknown cache kind '${unknown[0]}': use ${KIND_NAMES.join(', ')}`);
    let olderThanMs: number | undefined;
    if (opts.olderThan !== undefined) {
      try {
        olderThanMs = parseAge(opts.olderThan, '--older-than');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    const result = await store(opts.cacheDir).clean({
      ...(kinds.length > 0 ? { kinds } : {}),
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
    });
    await write(opts.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderClean(result));
  });
}

function renderInfo(info: CacheInfo): string {
  const limitFrom = process.env['GITFLEET_CACHE_MAX_SIZE'] ? 'GITFLEET_CACHE_MAX_SIZE' : 'default; set GITFLEET_CACHE_MAX_SIZE';
  const head = [
    `dir      ${info.dir}`,
    `size     ${formatSize(info.bytes)} (${info.bytes} bytes, ${((info.bytes / info.maxSize) * 100).toFixed(1)}% of the limit)`,
    `limit    ${formatSize(info.maxSize)} (${limitFrom})`,
    `entries  ${info.entries}`,
  ].join('\n');
  if (info.kinds.length === 0) return `${head}\n`;
  const rows = info.kinds.map((k) => [k.kind, k.entries, formatSize(k.bytes), when(k.oldest), when(k.newest)]);
  return `${head}\n\n${table(['kind', 'entries', 'size', 'least recent use', 'most recent use'], rows, ['left', 'right', 'right', 'left', 'left'])}`;
}

function renderClean(result: CleanResult): string {
  const entries = result.removed.reduce((s, r) => s + r.entries, 0);
  const bytes = result.removed.reduce((s, r) => s + r.bytes, 0);
  const lines = result.removed.map((r) => `  ${r.kind.padEnd(8)} ${r.entries} entries, ${formatSize(r.bytes)}`);
  return `removed ${entries} entries (${formatSize(bytes)}); ${formatSize(result.bytes)} left\n${lines.map((l) => `${l}\n`).join('')}`;
}
