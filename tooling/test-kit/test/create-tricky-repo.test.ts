import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrickyRepo, git, gitText } from '../src/index.js';
import type { TrickyRepo } from '../src/index.js';
import { lines, parseNameStatus, splitNul } from './helpers.js';
import type { NameStatus } from './helpers.js';

let repo: TrickyRepo;
let run: (args: string[]) => Promise<string>;

beforeAll(async () => {
  repo = await createTrickyRepo();
  run = (args) => gitText(repo.path, args);
});
afterAll(async () => {
  await repo.cleanup();
});

describe('createTrickyRepo', () => {
  it('is deterministic', async () => {
    await using again = await createTrickyRepo();
    expect(again.facts.head).toBe(repo.facts.head);
    expect(again.facts.shas).toEqual(repo.facts.shas);
  });

  it('has main checked out with 40+ commits', async () => {
    const { facts } = repo;
    expect(await run(['symbolic-ref', 'HEAD'])).toBe('refs/heads/main\n');
    expect(await run(['rev-parse', 'HEAD'])).toBe(`${facts.head}\n`);
    expect(Number(await run(['rev-list', '--count', 'main']))).toBe(facts.commitCount);
    expect(facts.commitCount).toBeGreaterThanOrEqual(40);
    expect(await run(['rev-list', '--max-parents=0', 'main'])).toBe(`${facts.shas.root}\n`);
  });

  it('has authors in many time zones, and differing committers', async () => {
    const log = lines(await run(['log', '--format=%an|%ae|%ad|%cn|%cd', '--date=raw', 'main']));
    const zones = new Set(log.map((line) => line.split('|')[2]?.split(' ')[1]));
    for (const tz of ['-0800', '-0330', '+0000', '+0530', '+0900', '+1345']) expect(zones).toContain(tz);
    const parsed = log.map((line) => line.split('|'));
    expect(parsed.some(([an, , , cn]) => an !== cn)).toBe(true);
    expect(parsed.some(([, , ad, , cd]) => ad?.split(' ')[1] !== cd?.split(' ')[1])).toBe(true);
    expect(repo.facts.authors.length).toBeGreaterThanOrEqual(5);
  });

  it('maps two identities of one person with .mailmap', async () => {
    const raw = new Set(lines(await run(['log', '--format=%an <%ae>', 'main'])));
    expect(raw).toContain('Dev Patel <dev@example.in>');
    expect(raw).toContain('dev patel <dpatel@old-corp.example>');
    const mapped = [...new Set(lines(await run(['log', '--format=%aN <%aE>', 'main'])))].sort();
    expect(mapped).toEqual(repo.facts.authors);
    expect(mapped).not.toContain('dev patel <dpatel@old-corp.example>');
  });

  it('has --no-ff merges, a hand-resolved conflict and an octopus', async () => {
    const { facts } = repo;
    expect(lines(await run(['rev-list', '--merges', '--reverse', 'main']))).toEqual(facts.mergeShas);
    expect(facts.mergeShas.length).toBeGreaterThanOrEqual(3);
    expect(facts.mergeShas).toContain(facts.shas.conflictMerge);
    expect(lines(await run(['rev-list', '--parents', '-1', facts.shas.octopusMerge]))[0]?.split(' ')).toHaveLength(4);
    // The resolution differs from both parents: a combined diff shows it.
    const cc = await run(['diff-tree', '--cc', '--no-commit-id', facts.shas.conflictMerge]);
    expect(cc).toContain('++resolved: first (ours + theirs)');
    for (const merge of facts.mergeShas) {
      const sideCommits = await run(['rev-list', '--count', `${merge}^1..${merge}^2`]);
      expect(Number(sideCommits)).toBeGreaterThanOrEqual(2);
    }
  });

  it('has renames that git log -M detects', async () => {
    expect(repo.facts.renames.length).toBeGreaterThanOrEqual(3);
    const nameStatus = async (sha: string): Promise<NameStatus[]> =>
      parseNameStatus(await git(repo.path, ['log', '-1', '-M', '--name-status', '-z', '--format=', sha]));
    for (const { sha, from, to } of repo.facts.renames) {
      expect(await nameStatus(sha)).toContainEqual({ status: expect.stringMatching(/^R\d+$/) as unknown, from, path: to });
    }
    const edited = await nameStatus(repo.facts.shas.editedRename);
    expect(edited[0]?.status).toMatch(/^R(?!100)\d+$/);
    expect(repo.facts.renames.map((r) => r.to)).toContain('archive/2023/notes.txt');
  });

  it('has binary additions, modifications and deletions', async () => {
    const { shas } = repo.facts;
    expect(await run(['show', '--numstat', '--format=', shas.binaryModified])).toBe('-\t-\tassets/logo.png\n');
    expect(await run(['show', '--numstat', '--format=', shas.binaryDeleted])).toBe('-\t-\tassets/old.bin\n');
    expect(await run(['show', '--name-status', '--format=', shas.binaryDeleted])).toBe('D\tassets/old.bin\n');
    const blob = await git(repo.path, ['cat-file', 'blob', 'HEAD:assets/logo.png']);
    expect(blob.includes(0)).toBe(true);
    expect(repo.facts.binaryPaths).toEqual(['assets/logo.png', 'assets/old.bin']);
  });

  it('has symlinks, a retargeted symlink and a type change', async () => {
    const { shas, symlinkPaths } = repo.facts;
    const tree = await run(['ls-tree', 'HEAD', '--', ...symlinkPaths]);
    expect(lines(tree).every((line) => line.startsWith('120000 blob'))).toBe(true);
    expect(lines(tree)).toHaveLength(symlinkPaths.length);
    expect(await run(['cat-file', 'blob', 'HEAD:link-to-readme'])).toBe('docs/user-guide.md');
    const raw = await run(['show', '--raw', '--format=', shas.symlinkRetargeted]);
    expect(raw).toMatch(/^:120000 120000 \w+ \w+ M\tlink-to-readme\n$/);
    expect(await run(['show', '--name-status', '--format=', shas.typeChange])).toBe('T\tconfig/settings.json\n');
  });

  it('has tricky paths', async () => {
    const files = splitNul(await git(repo.path, ['ls-tree', '-r', '-z', '--name-only', 'HEAD']));
    for (const path of repo.facts.trickyPaths) expect(files).toContain(path);
    expect(files).toContain('line\nbreak.txt');
    expect(files).toContain('tab\there.txt');
    // Without -z git C-quotes unusual names (core.quotePath defaults to true).
    expect(await run(['ls-files', '--', 'line*', 'donn*'])).toBe(
      '"donn\\303\\251es/na\\303\\257ve caf\\303\\251.txt"\n"line\\nbreak.txt"\n',
    );
  });

  it('has ISO-8859-1 messages with and without an encoding header', async () => {
    const [withHeader, raw] = repo.facts.latin1MessageShas;
    const headerCommit = await git(repo.path, ['cat-file', 'commit', withHeader!]);
    expect(headerCommit.toString('latin1')).toContain('\nencoding ISO-8859-1\n\nMise \xe0 jour: caf\xe9');
    // git log re-encodes to UTF-8 thanks to the header.
    expect(await run(['log', '-1', '--format=%s', withHeader!])).toBe('Mise à jour: café, crème brûlée\n');

    const rawCommit = await git(repo.path, ['cat-file', 'commit', raw!]);
    expect(rawCommit.toString('latin1')).not.toContain('\nencoding ');
    expect(rawCommit.toString('latin1')).toContain('Fix fa\xe7ade typo');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(rawCommit)).toThrow();
  });

  it('has an author name in ISO-8859-1 bytes', async () => {
    const { latin1Author } = repo.facts.shas;
    const raw = await git(repo.path, ['cat-file', 'commit', latin1Author]);
    expect(raw.includes(Buffer.from('author Jos\xe9 M\xfcller <jose@example.pt>', 'latin1'))).toBe(true);
    expect(await run(['log', '-1', '--format=%aN', latin1Author])).toBe('José Müller\n');
  });

  it('has CRLF, no-eol, empty and latin-1 files', async () => {
    const blob = (path: string): Promise<Buffer> => git(repo.path, ['cat-file', 'blob', `HEAD:${path}`]);
    expect((await blob('windows.txt')).toString()).toBe('line one\r\nline 2, edited\r\nline three\r\n');
    expect((await blob('no-eol.txt')).toString().endsWith('\n')).toBe(false);
    expect((await blob('empty.txt')).length).toBe(0);
    const latin1 = await blob('legacy/latin1.txt');
    expect(latin1.toString('latin1')).toContain('caf\xe9 cr\xe8me\n');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(latin1)).toThrow();
  });

  it('has a big file that blame splits into many hunks by many authors', async () => {
    const blame = await run(['blame', '--porcelain', 'HEAD', '--', 'src/big.txt']);
    const hunks = blame.match(/^[0-9a-f]{40} \d+ \d+ \d+$/gm) ?? [];
    const commits = new Set(hunks.map((h) => h.slice(0, 40)));
    const authors = new Set(blame.match(/^author-mail .*$/gm));
    expect(Number(await run(['rev-list', '--count', 'HEAD', '--', 'src/big.txt']))).toBeGreaterThanOrEqual(10);
    expect(hunks.length).toBeGreaterThanOrEqual(30);
    expect(commits.size).toBeGreaterThanOrEqual(8);
    expect(authors.size).toBeGreaterThanOrEqual(5);
    expect(lines(await run(['show', 'HEAD:src/big.txt'])).length).toBeGreaterThanOrEqual(290);
  });

  it('has a file whose blame reaches one commit under two paths, and lines starting with a byte-order mark', async () => {
    const { movedPath, bomPath, shas } = repo.facts;
    const porcelain = await run(['blame', '--porcelain', 'HEAD', '--', movedPath]);
    // git repeats `filename` after each group of a commit whose lines come from more than one path.
    const groups = [...porcelain.matchAll(/^([0-9a-f]{40}) \d+ \d+ \d+\n(?:(?!\t)[^\n]*\n)*?filename (.*)$/gm)];
    const paths = new Set(groups.filter((g) => g[1] === shas.twoPaths).map((g) => g[2]));
    expect([...paths].sort()).toEqual(['lib/util.c', 'src/util.c']);
    expect(lines(await run(['rev-list', '--parents', '-1', shas.utilMerge]))[0]?.split(' ')).toHaveLength(3);
    const bom = await git(repo.path, ['cat-file', 'blob', `HEAD:${bomPath}`]);
    expect(bom.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bom.indexOf(Buffer.from('\n\xef\xbb\xbf', 'latin1'))).toBeGreaterThan(0);
  });

  it('has a file deleted and re-added with different content', async () => {
    const { fileDeleted, fileReAdded } = repo.facts.shas;
    const history = await run(['log', '--format=%H', '--name-status', '--', 'reborn.txt']);
    const changes = lines(history).filter((line) => /^[ADM]\t/.test(line));
    expect(changes).toEqual(['A\treborn.txt', 'D\treborn.txt', 'A\treborn.txt']);
    expect(history).toContain(fileDeleted);
    expect(await run(['show', `${fileReAdded}:reborn.txt`])).toMatch(/^second life/);
  });

  it('has multi-paragraph messages and a two-line summary', async () => {
    const { root, twoLineSummary } = repo.facts.shas;
    expect(await run(['log', '-1', '--format=%s', twoLineSummary])).toBe('Fix the frobnicator when the widget count is zero\n');
    expect((await run(['log', '-1', '--format=%B', root])).split('\n\n').length).toBeGreaterThanOrEqual(3);
  });

  it('has branches, tags and an origin that main is ahead of', async () => {
    const { facts } = repo;
    expect(lines(await run(['for-each-ref', '--format=%(refname:short)', 'refs/heads']))).toEqual(facts.branchNames);
    expect(facts.branchNames).toEqual(['feature/x', 'main']);
    await expect(git(repo.path, ['merge-base', '--is-ancestor', 'feature/x', 'main'])).rejects.toThrow();
    expect(await run(['cat-file', '-t', 'v1.0'])).toBe('tag\n');
    expect(await run(['rev-parse', 'v1.0^{commit}'])).toBe(`${facts.shas.tagged}\n`);
    expect(facts.tags).toEqual(['v0.1', 'v1.0']);
    expect(await run(['rev-parse', '--abbrev-ref', 'main@{upstream}'])).toBe('origin/main\n');
    expect(await run(['symbolic-ref', 'refs/remotes/origin/HEAD'])).toBe('refs/remotes/origin/main\n');
    expect(await run(['rev-list', '--left-right', '--count', 'main...origin/main'])).toBe('1\t0\n');
    expect(await run(['rev-parse', 'origin/feature/x'])).toBe(await run(['rev-parse', 'feature/x']));
    expect(await gitText(facts.originPath, ['rev-parse', '--is-bare-repository'])).toBe('true\n');
  });

  it('has staged, unstaged and untracked changes', async () => {
    const { staged, unstagedPaths, untrackedPaths } = repo.facts;
    const cached = parseNameStatus(await git(repo.path, ['diff', '--cached', '--name-status', '-z']));
    const simplified = cached.map((c) => ({ ...c, status: c.status.replace(/\d+$/, '') }));
    const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : 1);
    expect(simplified.sort(byPath)).toEqual([...staged].sort(byPath));
    expect(cached.find((c) => c.status.startsWith('R'))?.status).toBe('R100');
    expect(await run(['diff', '--cached', '--numstat', '--', 'assets/logo.png'])).toBe('-\t-\tassets/logo.png\n');

    expect(splitNul(await git(repo.path, ['diff', '--name-only', '-z']))).toEqual(unstagedPaths);
    const others = splitNul(await git(repo.path, ['ls-files', '--others', '--exclude-standard', '-z']));
    expect(others.sort()).toEqual(untrackedPaths);
    for (const path of untrackedPaths) expect(cached.map((c) => c.path)).not.toContain(path);
  });
});
