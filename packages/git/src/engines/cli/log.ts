import type { Commit, FileChange, Person } from '../../types.js';
import type { HistoryQuery } from '../engine.js';
import { decode, parseStatus, parseTz } from './parse-util.js';

/** Marks the start of each commit record; cannot start a --raw (`:`) or --numstat (digit, `-`) token. */
const MARK = '\x1eGF';
const FIELDS = ['%H', '%P', '%ad', '%cd', '%an', '%ae', '%cn', '%ce', '%s', '%B'] as const;
const MAILMAP_FIELDS = ['%H', '%P', '%ad', '%cd', '%aN', '%aE', '%cN', '%cE', '%s', '%B'] as const;

/** `git log` argv for a history query. Stats are always first-parent with git's default rename detection. */
export function logArgs(query: HistoryQuery): string[] {
  return ['log', ...recordArgs(query), ...walkArgs(query).slice(1)];
}

/**
 * What each commit record holds: the format and the diff options (not which commits).
 * A shard runs these on commits given on stdin, so its records are byte for byte `logArgs`'s.
 */
export function recordArgs(query: HistoryQuery): string[] {
  const fields = query.mailmap ? MAILMAP_FIELDS : FIELDS;
  return [
    '-z',
    `--format=${MARK}${fields.join('%x00')}`,
    '--date=raw',
    '--encoding=UTF-8',
    '--raw',
    '--numstat',
    '--no-abbrev',
    '--diff-merges=first-parent',
    '--no-show-signature',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
  ];
}

/**
 * Which commits, in which order: revisions, limits and filters, then the pathspec.
 * `--diff-merges=first-parent` is here too: with a pathspec it also decides which merges the walk
 * keeps (those that change the paths against their first parent).
 */
export function walkArgs(query: HistoryQuery): string[] {
  const args: string[] = ['--diff-merges=first-parent'];
  if (query.since !== undefined) args.push(`--since=${gitDate(query.since)}`);
  if (query.until !== undefined) args.push(`--until=${gitDate(query.until)}`);
  if (query.maxCount !== undefined) args.push(`--max-count=${query.maxCount}`);
  if (query.author !== undefined) args.push(`--author=${query.author}`);
  if (query.all) args.push('--all');
  else args.push('--end-of-options', ...query.revs);
  args.push('--', ...(query.paths ?? []));
  return args;
}

function gitDate(value: number | string): string {
  return typeof value === 'number' ? new Date(value * 1000).toISOString() : value;
}

function person(name: Buffer, email: Buffer, rawDate: Buffer): Person {
  const [ts = '0', tz = '+0000'] = rawDate.toString('latin1').split(' ');
  return { name: decode(name), email: decode(email), timestamp: Number(ts), tzOffset: parseTz(tz) };
}

const NUMSTAT = /^(\d+|-)\t(\d+|-)\t/;

/**
 * Turns the NUL-separated tokens of `git log -z --raw --numstat` (format from `logArgs`) into commits.
 * A record is: header fields, then `--raw` entries (`:modes ids status`, then 1 or 2 paths),
 * then `--numstat` entries (`adds\tdels\tpath`, or `adds\tdels\t` then old and new path).
 */
export async function* parseLog(
  batches: AsyncIterable<Buffer[]>,
  repoName: string,
  withFiles: boolean,
): AsyncGenerator<Commit> {
  let current: Commit | undefined;
  let header: Buffer[] = [];
  let files: FileChange[] = [];
  let numstatIndex = 0;
  // Paths still owed by the previous --raw or --numstat token.
  let pending: { kind: 'raw' | 'numstat'; need: number; paths: string[]; status?: string; counts?: [string, string] } | undefined;

  const finish = (): Commit | undefined => {
    if (!current) return undefined;
    const done = current;
    let additions = 0;
    let deletions = 0;
    for (const f of files) {
      additions += f.additions;
      deletions += f.deletions;
    }
    done.additions = additions;
    done.deletions = deletions;
    done.filesChanged = files.length;
    if (withFiles) done.files = files;
    current = undefined;
    files = [];
    numstatIndex = 0;
    return done;
  };

  const applyNumstat = (adds: string, dels: string): void => {
    const file = files[numstatIndex++];
    if (!file) return;
    file.binary = adds === '-';
    file.additions = file.binary ? 0 : Number(adds);
    file.deletions = file.binary ? 0 : Number(dels);
  };

  const settle = (): void => {
    if (!pending || pending.paths.length < pending.need) return;
    if (pending.kind === 'raw') {
      const status = parseStatus(pending.status ?? 'M');
      const two = pending.paths.length === 2;
      files.push({
        path: two ? pending.paths[1]! : pending.paths[0]!,
        oldPath: two ? pending.paths[0]! : null,
        status,
        additions: 0,
        deletions: 0,
        binary: false,
      });
    } else {
      applyNumstat(pending.counts![0], pending.counts![1]);
    }
    pending = undefined;
  };

  const ready: Commit[] = [];
  const step = (token: Buffer): void => {
    if (header.length > 0) {
      header.push(token);
      if (header.length < FIELDS.length) return;
      current = toCommit(header, repoName);
      header = [];
      return;
    }
    if (pending) {
      pending.paths.push(decode(token));
      settle();
      return;
    }
    // Entries after the header start on a new line.
    while (token[0] === 0x0a) token = token.subarray(1);
    if (token.length === 0) return;
    if (token.toString('latin1', 0, MARK.length) === MARK) {
      const done = finish();
      if (done) ready.push(done);
      header = [token.subarray(MARK.length)];
      return;
    }
    if (token[0] === 0x3a /* : */) {
      // :old_mode new_mode old_id new_id status
      const status = token.toString('latin1').split(' ')[4] ?? 'M';
      pending = { kind: 'raw', need: status.startsWith('R') || status.startsWith('C') ? 2 : 1, paths: [], status };
      return;
    }
    const text = token.toString('latin1');
    const m = NUMSTAT.exec(text);
    if (m) {
      if (text.length === m[0].length) pending = { kind: 'numstat', need: 2, paths: [], counts: [m[1]!, m[2]!] };
      else applyNumstat(m[1]!, m[2]!);
    }
  };

  for await (const batch of batches) {
    for (const token of batch) step(token);
    // Commits complete in this batch; the last one may still be receiving entries.
    yield* ready;
    ready.length = 0;
  }
  const last = finish();
  if (last) yield last;
}

function toCommit(f: Buffer[], repoName: string): Commit {
  const [sha, parents, ad, cd, an, ae, cn, ce, subject, body] = f as [
    Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer,
  ];
  const parentList = parents.length > 0 ? parents.toString('latin1').split(' ') : [];
  return {
    repoName,
    sha: sha.toString('latin1'),
    parents: parentList,
    isMerge: parentList.length > 1,
    message: decode(body),
    summary: decode(subject),
    author: person(an, ae, ad),
    committer: person(cn, ce, cd),
    additions: 0,
    deletions: 0,
    filesChanged: 0,
  };
}
