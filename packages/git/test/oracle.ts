// The git CLI as the oracle: small, independent parsers over plain git output,
// deliberately not sharing code with the engines under test.
import { git } from '@gitfleet/test-kit';

export interface OracleCommit {
  sha: string;
  parents: string[];
  authorTime: number;
  authorTz: number;
  committerTime: number;
  committerTz: number;
}

const tzMinutes = (tz: string): number => {
  const sign = tz.startsWith('-') ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
};

export async function oracleLog(repo: string, revArgs: string[] = ['HEAD']): Promise<OracleCommit[]> {
  const out = (await git(repo, ['log', '--format=%H|%P|%at|%ai|%ct|%ci', ...revArgs, '--'])).toString('utf8');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, parents, at, ai, ct, ci] = line.split('|') as [string, string, string, string, string, string];
      return {
        sha,
        parents: parents ? parents.split(' ') : [],
        authorTime: Number(at),
        authorTz: tzMinutes(ai.slice(-5)),
        committerTime: Number(ct),
        committerTz: tzMinutes(ci.slice(-5)),
      };
    });
}

/** Per-commit totals from `git log --numstat --diff-merges=first-parent` (default rename detection). */
export async function oracleTotals(
  repo: string,
  revArgs: string[] = ['HEAD'],
  config: string[] = [],
): Promise<Map<string, { additions: number; deletions: number; files: number }>> {
  const out = (await git(repo, [...config.flatMap((c) => ['-c', c]), 'log', '--numstat', '--diff-merges=first-parent', '--format=@@%H', ...revArgs, '--'])).toString('latin1');
  const totals = new Map<string, { additions: number; deletions: number; files: number }>();
  let current: { additions: number; deletions: number; files: number } | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('@@')) {
      current = { additions: 0, deletions: 0, files: 0 };
      totals.set(line.slice(2), current);
    } else if (current && /^(\d+|-)\t(\d+|-)\t/.test(line)) {
      const [a, d] = line.split('\t');
      current.files++;
      if (a !== '-') current.additions += Number(a);
      if (d !== '-') current.deletions += Number(d);
    }
  }
  return totals;
}

/** line -> [commit, origLine] from `git blame --porcelain`. */
export async function oracleBlame(repo: string, rev: string, path: string): Promise<[string, number][]> {
  const out = (await git(repo, ['blame', '--porcelain', rev, '--', path])).toString('latin1');
  const lines: [string, number][] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]{40}) (\d+) (\d+)/.exec(line);
    if (m) lines[Number(m[3]) - 1] = [m[1]!, Number(m[2])];
  }
  return lines;
}

export async function oracleFiles(repo: string, rev = 'HEAD'): Promise<string[]> {
  const out = await git(repo, ['ls-tree', '-r', '-z', '--name-only', rev]);
  return out.toString('utf8').split('\0').filter(Boolean);
}

/** Every field of one line of `git blame --line-porcelain`, in BlameLine's shape. */
export interface OracleBlameLine {
  line: number;
  commit: string;
  origLine: number;
  origPath: string;
  authorName: string;
  authorEmail: string;
  authorTime: number;
  authorTzOffset: number;
  content: string;
}

const unquotePath = (raw: Buffer): string => {
  const text = raw.toString('latin1');
  if (!text.startsWith('"')) return raw.toString('utf8');
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  const bytes: number[] = [];
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] !== '\\') bytes.push(text.charCodeAt(i));
    else if (/[0-7]/.test(text[i + 1]!)) {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(named[text[++i]!]!);
  }
  return Buffer.from(bytes).toString('utf8');
};

/**
 * `git blame --line-porcelain`: every field repeated on every line, so no state carries over
 * between lines. Text is decoded as UTF-8 with U+FFFD, keeping byte-order marks.
 */
export async function oracleBlameLines(repo: string, rev: string, path: string): Promise<OracleBlameLine[]> {
  const out = await git(repo, ['-c', 'core.quotepath=off', 'blame', '--line-porcelain', rev, '--', path]);
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const lines: OracleBlameLine[] = [];
  let current: Partial<OracleBlameLine> = {};
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0x0a, start);
    if (end === -1) end = out.length;
    const raw = out.subarray(start, end);
    start = end + 1;
    if (raw[0] === 0x09) {
      lines.push({ ...current, content: utf8.decode(raw.subarray(1)) } as OracleBlameLine);
      current = {};
      continue;
    }
    const space = raw.indexOf(0x20);
    const key = raw.subarray(0, space).toString('latin1');
    const value = raw.subarray(space + 1);
    const header = /^([0-9a-f]{40}) (\d+) (\d+)/.exec(raw.toString('latin1'));
    if (header && !current.commit) {
      current = { commit: header[1]!, origLine: Number(header[2]), line: Number(header[3]) };
    } else if (key === 'author') current.authorName = utf8.decode(value);
    else if (key === 'author-mail') current.authorEmail = utf8.decode(value).replace(/^<|>$/g, '');
    else if (key === 'author-time') current.authorTime = Number(value.toString('latin1'));
    else if (key === 'author-tz') current.authorTzOffset = tzMinutes(value.toString('latin1'));
    else if (key === 'filename') current.origPath = unquotePath(value);
  }
  return lines;
}
