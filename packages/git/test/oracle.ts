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
): Promise<Map<string, { additions: number; deletions: number; files: number }>> {
  const out = (await git(repo, ['log', '--numstat', '--diff-merges=first-parent', '--format=@@%H', ...revArgs, '--'])).toString('latin1');
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
