// The git CLI as the oracle: small parsers over plain git output, sharing no code with the pipeline.
import { git } from '@gitfleet/test-kit';

const utf8 = (b: Buffer): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b);

const tzMinutes = (tz: string): number => (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));

export interface OracleCommit {
  sha: string;
  parents: string[];
  author_name: string;
  author_email: string;
  author_time: number;
  author_tz_offset: number;
  committer_name: string;
  committer_email: string;
  committer_time: number;
  committer_tz_offset: number;
  message: string;
}

/** `git rev-list --branches`: every commit reachable from refs/heads/*. */
export async function revList(repo: string, extra: string[] = []): Promise<string[]> {
  return (await git(repo, ['rev-list', '--branches', ...extra])).toString('latin1').split('\n').filter(Boolean).sort();
}

/** Commits of every branch as `git log` prints them with the mailmap (`%aN`, `%aE`) and raw dates. */
export async function oracleCommits(repo: string): Promise<OracleCommit[]> {
  const out = await git(repo, ['log', '--branches', '--encoding=UTF-8', '--date=raw', '--format=%H%x1f%P%x1f%aN%x1f%aE%x1f%ad%x1f%cN%x1f%cE%x1f%cd%x1f%B%x1e']);
  return utf8(out)
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => {
      const [sha, parents, an, ae, ad, cn, ce, cd, message] = record.split('\x1f') as string[];
      const [at, atz] = ad!.split(' ');
      const [ct, ctz] = cd!.split(' ');
      return {
        sha: sha!,
        parents: parents ? parents.split(' ') : [],
        author_name: an!,
        author_email: ae!,
        author_time: Number(at),
        author_tz_offset: tzMinutes(atz!),
        committer_name: cn!,
        committer_email: ce!,
        committer_time: Number(ct),
        committer_tz_offset: tzMinutes(ctz!),
        message: message!,
      };
    });
}

export interface OracleFile {
  sha: string;
  path: string;
  old_path: string | null;
  status: string;
  additions: number | null;
  deletions: number | null;
}

/**
 * Per-file changes of every commit of every branch against its first parent:
 * `git log --numstat -z --diff-merges=first-parent` for counts and paths, `--name-status` for the status letter.
 */
export async function oracleFiles(repo: string): Promise<OracleFile[]> {
  const common = ['log', '--branches', '-z', '--diff-merges=first-parent', '--format=@@%H'];
  const numstat = await git(repo, [...common, '--numstat']);
  const status = await git(repo, [...common, '--name-status']);
  const files = new Map<string, OracleFile>();
  let sha = '';
  const tokens = numstat.toString('latin1').split('\0');
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    for (;;) {
      token = token.replace(/^\n+/, '');
      const header = /^@@([0-9a-f]{40})\n?/.exec(token);
      if (!header) break;
      sha = header[1]!;
      token = token.slice(header[0].length);
    }
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(token);
    if (!m) continue;
    let path = m[3]!;
    let old: string | null = null;
    if (path === '') {
      old = tokens[++i]!;
      path = tokens[++i]!;
    }
    const decode = (s: string): string => utf8(Buffer.from(s, 'latin1'));
    const file: OracleFile = {
      sha,
      path: decode(path),
      old_path: old === null ? null : decode(old),
      status: '',
      additions: m[1] === '-' ? null : Number(m[1]),
      deletions: m[2] === '-' ? null : Number(m[2]),
    };
    files.set(`${sha}\0${file.path}`, file);
  }
  const st = status.toString('latin1').split('\0');
  for (let i = 0; i < st.length; i++) {
    let token = st[i]!;
    for (;;) {
      token = token.replace(/^\n+/, '');
      const header = /^@@([0-9a-f]{40})\n?/.exec(token);
      if (!header) break;
      sha = header[1]!;
      token = token.slice(header[0].length);
    }
    if (!/^[AMDRCT]\d*$/.test(token)) continue;
    const letter = token[0]!;
    if (letter === 'R' || letter === 'C') i++;
    const path = utf8(Buffer.from(st[++i]!, 'latin1'));
    const file = files.get(`${sha}\0${path}`);
    if (file) file.status = letter;
  }
  return [...files.values()];
}

/**
 * Surviving lines at `rev` per file and author email (lower case), from `git blame --porcelain`
 * of every tracked file that git's diff machinery would not call binary (a NUL in the first 8000
 * bytes), submodules left out.
 */
export async function oracleOwnership(repo: string, rev: string): Promise<Map<string, number>> {
  const tree = (await git(repo, ['ls-tree', '-r', '-z', rev])).toString('latin1').split('\0').filter(Boolean);
  const counts = new Map<string, number>();
  for (const entry of tree) {
    const tab = entry.indexOf('\t');
    const [meta, rawPath] = [entry.slice(0, tab), entry.slice(tab + 1)];
    const [mode, , id] = meta.split(' ') as [string, string, string];
    if (mode === '160000') continue;
    const blob = await git(repo, ['cat-file', 'blob', id]);
    if (blob.subarray(0, 8000).includes(0)) continue;
    const path = utf8(Buffer.from(rawPath, 'latin1'));
    const out = await git(repo, ['blame', '--porcelain', rev, '--', Buffer.from(rawPath, 'latin1').toString('utf8')]).catch(() => undefined);
    if (out === undefined) throw new Error(`oracle: git blame failed on ${path}`);
    // --porcelain prints a commit's author once: remember it by commit.
    const emailOf = new Map<string, string>();
    let commit = '';
    for (const line of out.toString('latin1').split('\n')) {
      const header = /^([0-9a-f]{40}) \d+ \d+/.exec(line);
      if (header) commit = header[1]!;
      else if (line.startsWith('author-mail ')) emailOf.set(commit, utf8(Buffer.from(line.slice(12), 'latin1')).replace(/^<|>$/g, '').trim().toLowerCase());
      else if (line.startsWith('\t')) {
        const key = `${path}\0${emailOf.get(commit) ?? ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}
