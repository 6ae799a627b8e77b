import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createTempDir, git, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRecord, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { analyzeHistory, generateCommitMessage, learnConventions, ticketFromBranch, type HistorySubject } from '../src/index.js';
import { historyRepo, serverEnv } from './helpers.js';

let cacheDir: TempDir;
let server: LlmServer;
const repos: TempRepo[] = [];
beforeAll(async () => {
  cacheDir = await createTempDir('gitfleet-conventions-cache-');
  server = await startLlmServer();
});
afterAll(async () => {
  await Promise.all([cacheDir.cleanup(), server.close()]);
});
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
  server.requests.length = 0;
});

const s = (subject: string, files: string[] = ['src/x.ts'], bot = false): HistorySubject => ({ subject, files, bot });

describe('analyzeHistory', () => {
  test('Conventional Commits: style, types by use, scopes with the directories they cover, lower case', () => {
    const history = [
      ...Array.from({ length: 6 }, (_, i) => s(`fix(git): handle case ${String(i)}`, ['packages/git/src/a.ts'])),
      ...Array.from({ length: 4 }, (_, i) => s(`feat(cli): add flag ${String(i)}`, ['apps/cli/src/main.ts', 'apps/cli/README.md'])),
      s('docs: explain the cache', ['README.md']),
      s('Update stuff'),
    ];
    const c = analyzeHistory(history, 'abc');
    expect(c.style).toBe('conventional');
    expect(c.shares.conventional).toBeCloseTo(11 / 12, 3);
    expect(c.types.map((t) => t.name)).toEqual(['fix', 'feat', 'docs']);
    expect(c.scopes).toEqual([
      { name: 'git', commits: 6, paths: ['packages/git'] },
      { name: 'cli', commits: 4, paths: ['apps/cli'] },
    ]);
    expect(c.subjectCase).toBe('lower');
    expect(c.ticket).toBeNull();
  });

  test('gitmoji (emoji or code), area prefixes, tickets and their placement, bots left out', () => {
    const gitmoji = analyzeHistory([s(':sparkles: Add x'), s(':bug: Fix y'), s('✨ Add z'), s(':memo: Write docs')]);
    expect(gitmoji).toMatchObject({ style: 'gitmoji', gitmojiFormat: 'code', subjectCase: 'upper' });
    const area = analyzeHistory([
      s('parser: fix empty hunks', ['lib/parser/a.js']),
      s('parser: speed up', ['lib/parser/b.js']),
      s('http: add retries', ['lib/http/c.js']),
      s('http: drop a timer', ['lib/http/d.js']),
      s('Note: not an area'),
    ]);
    expect(area).toMatchObject({ style: 'plain', areaPrefix: true, subjectCase: 'lower' });
    expect(area.scopes.map((x) => [x.name, x.paths])).toEqual([
      ['http', ['lib/http']],
      ['parser', ['lib/parser']],
    ]);
    const tickets = analyzeHistory([s('[LANG-1] Fix a'), s('[LANG-22] Add b'), s('[LANG-3] Remove c'), s('Javadoc'), s('UTF-8 handling')]);
    expect(tickets.ticket).toEqual({ key: 'LANG', placement: 'bracket-prefix', example: '[LANG-1] Fix a' });
    // 25 people write plain subjects; 30 bot commits are Conventional: the people's style wins.
    const people = Array.from({ length: 25 }, (_, i) => s(`Tidy module ${String(i)}`));
    const bots = Array.from({ length: 30 }, (_, i) => s(`build(deps): bump x to ${String(i)}`, ['package.json'], true));
    expect(analyzeHistory([...bots, ...people])).toMatchObject({ style: 'plain', commits: 25 });
  });

  test('ticket ids from branch names', () => {
    expect(ticketFromBranch('feature/PROJ-123-login')).toBe('PROJ-123');
    expect(ticketFromBranch('fix-123-crash')).toBeNull();
    expect(ticketFromBranch('lang-1815-fix', 'LANG')).toBe('LANG-1815');
    expect(ticketFromBranch('feature/PROJ-9', 'LANG')).toBeNull();
    expect(ticketFromBranch('42-fix-login')).toBe('#42');
    expect(ticketFromBranch('issue/7')).toBe('#7');
    expect(ticketFromBranch('main')).toBeNull();
    expect(ticketFromBranch(null)).toBeNull();
  });
});

async function conventionalRepo(): Promise<TempRepo> {
  const repo = await historyRepo([
    ...Array.from({ length: 5 }, (_, i) => ({ message: `fix(git): handle case ${String(i)}`, files: ['packages/git/src/a.ts'] })),
    ...Array.from({ length: 4 }, (_, i) => ({ message: `feat(cli): add flag ${String(i)}`, files: ['apps/cli/src/main.ts'] })),
    ...Array.from({ length: 3 }, (_, i) => ({ message: `build(deps): bump dep ${String(i)}`, files: ['package.json'], bot: true })),
  ]);
  repos.push(repo);
  return repo;
}

describe('learnConventions on a real repository', () => {
  test('reads the history with @gitfleet/git, caches per HEAD, and a new commit is learned again', async () => {
    const repo = await conventionalRepo();
    await git(repo.path, ['checkout', '-q', '-b', 'feature/GIT-42-speed']);
    const first = await learnConventions({ repo: repo.path, cache: cacheDir.path });
    expect(first).toMatchObject({ style: 'conventional', commits: 12, cached: false, branch: 'feature/GIT-42-speed', branchTicket: 'GIT-42' });
    // Fewer than 20 commits by people: the bot's commits count too.
    expect(first.scopes.map((x) => x.name)).toEqual(['git', 'cli', 'deps']);
    expect(await readdir(join(cacheDir.path, 'ai-conventions'))).not.toHaveLength(0);
    const second = await learnConventions({ repo: repo.path, cache: cacheDir.path });
    expect(second.cached).toBe(true);
    expect({ ...second, cached: false }).toEqual(first);
    await commitFiles(repo.path, { 'docs/a.md': 'x\n' }, { message: 'docs: add a page' });
    const third = await learnConventions({ repo: repo.path, cache: cacheDir.path });
    expect(third).toMatchObject({ cached: false, commits: 13 });
    expect(third.head).not.toBe(first.head);
  });

  test('a cached call at the same HEAD runs one git process (rev-parse), from any directory of the work tree; the branch is read fresh', async () => {
    const repo = await conventionalRepo();
    const first = await learnConventions({ repo: repo.path, cache: cacheDir.path });
    expect(first.cached).toBe(false);
    await git(repo.path, ['checkout', '-q', '-b', 'PROJ-9-cache']);
    // A git on PATH that logs each run and then runs the real one.
    await using shim = await createTempDir('gitfleet-git-shim-');
    const realGit = (await git(repo.path, ['--exec-path'])).toString().trim() + '/git';
    await writeFile(join(shim.path, 'git'), `#!/bin/sh\necho "$*" >> "${shim.path}/runs"\nexec "${realGit}" "$@"\n`, { mode: 0o755 });
    const path = process.env['PATH'];
    process.env['PATH'] = `${shim.path}:${path ?? ''}`;
    try {
      const again = await learnConventions({ repo: join(repo.path, 'packages/git'), cache: cacheDir.path });
      expect(again).toMatchObject({ cached: true, head: first.head, branch: 'PROJ-9-cache', branchTicket: 'PROJ-9' });
    } finally {
      process.env['PATH'] = path;
    }
    const runs = (await readFile(join(shim.path, 'runs'), 'utf8')).trim().split('\n');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^rev-parse /);
  });

  test('an unborn branch has no conventions; a directory that is not a repository is a caller error', async () => {
    const repo = await historyRepo([]);
    repos.push(repo);
    expect(await learnConventions({ repo: repo.path, cache: false })).toMatchObject({ head: null, commits: 0, style: 'plain' });
    await expect(learnConventions({ repo: cacheDir.path, cache: false })).rejects.toMatchObject({ code: 'GITFLEET_AI_NOT_A_REPOSITORY' });
  });
});

describe('generateCommitMessage with conventions: true', () => {
  const lastSystem = (): string => (server.requests.at(-1) as LlmRecord).system;

  test('Conventional Commits become automatic, the scope of the staged paths goes into the prompt, the branch ticket into the message', async () => {
    const repo = await conventionalRepo();
    // The history puts tickets first in brackets: the branch's ticket goes there.
    await commitFiles(repo.path, { 'packages/git/src/a.ts': 'v\n' }, { message: 'fix(git): [GIT-1] x' });
    await git(repo.path, ['checkout', '-q', '-b', 'GIT-77-faster-log']);
    await writeFile(join(repo.path, 'packages/git/src/a.ts'), 'changed\n');
    await git(repo.path, ['add', '-A']);
    server.setHandler(() => ({ json: { subject: 'Speed up the log reader', type: 'perf', scope: 'git' } }));
    const events: string[] = [];
    const result = await generateCommitMessage({
      repo: repo.path,
      conventions: true,
      cache: cacheDir.path,
      env: serverEnv(server, 'openai'),
      configFile: false,
      onEvent: (e) => events.push(e.type),
    });
    expect(result.style).toBe('conventional');
    const request = server.requests.at(-1)!;
    expect((request.schema as { required: string[] }).required).toEqual(['subject', 'type', 'scope']);
    expect(lastSystem()).toMatch(/Conventional Commits in \d+% of the last 13 commits/);
    expect(lastSystem()).toContain('the scope git (packages/git) for the paths of this change');
    expect(events).toContain('conventions');
    // No learned ticket placement in subjects (1 of 13 commits): the ticket goes in a trailer.
    expect(result.message).toBe('perf(git): speed up the log reader\n\nRefs: GIT-77');
  });

  test('the local message uses the learned scope and the ticket placement of the history', async () => {
    const repo = await historyRepo(
      Array.from({ length: 6 }, (_, i) => ({ message: `[CORE-${String(i + 1)}] fix(parser): case ${String(i)}`, files: ['src/parser/p.ts'] })),
    );
    repos.push(repo);
    await git(repo.path, ['checkout', '-q', '-b', 'core-99-hunks']);
    await writeFile(join(repo.path, 'src/parser/q.ts'), 'new\n');
    await git(repo.path, ['add', '-A']);
    const result = await generateCommitMessage({ repo: repo.path, conventions: true, cache: false, env: {}, configFile: false });
    expect(result.fallback?.reason).toMatch(/no provider/);
    expect(result.subject).toBe('[CORE-99] feat(parser): add src/parser/q.ts');
  });

  test('an "area: description" history: the area is kept and the description follows its case', async () => {
    const repo = await historyRepo([
      ...Array.from({ length: 4 }, (_, i) => ({ message: `http: fix case ${String(i)}`, files: ['lib/http/h.js'] })),
      ...Array.from({ length: 3 }, (_, i) => ({ message: `parser: speed up ${String(i)}`, files: ['lib/parser/p.js'] })),
    ]);
    repos.push(repo);
    await writeFile(join(repo.path, 'lib/http/h.js'), 'changed\n');
    await git(repo.path, ['add', '-A']);
    server.setHandler(() => ({ json: { subject: 'http: Retry idempotent requests.' } }));
    const result = await generateCommitMessage({ repo: repo.path, conventions: true, cache: false, env: serverEnv(server, 'openai'), configFile: false });
    expect(result).toMatchObject({ style: 'plain', subject: 'http: retry idempotent requests' });
    expect(lastSystem()).toContain('Subjects start with the area they change, "area: description"');
    expect(lastSystem()).toContain('the area http (lib/http) for the paths of this change');
  });

  test('with conventions off (the default) nothing is read from the history', async () => {
    const repo = await conventionalRepo();
    await writeFile(join(repo.path, 'apps/cli/src/main.ts'), 'changed\n');
    await git(repo.path, ['add', '-A']);
    server.setHandler(() => ({ json: { subject: 'Change the flag' } }));
    const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai'), configFile: false });
    expect(result).toMatchObject({ style: 'plain', message: 'Change the flag' });
    expect(lastSystem()).not.toContain('conventions');
  });
});
