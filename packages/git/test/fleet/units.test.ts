import { describe, expect, it } from 'vitest';
import { cloneArgs } from '../../src/fleet/clone-one.js';
import { defaultUsername, prepareRemote } from '../../src/fleet/credentials.js';
import { NameAllocator, repoNameFromUrl } from '../../src/fleet/destination.js';
import { classifyGitFailure, redact } from '../../src/fleet/errors.js';
import { initialProgress, LineSplitter, parseProgressLine } from '../../src/fleet/progress.js';
import { createFleet } from '../../src/index.js';

describe('progress parsing', () => {
  it('reads phases, objects and bytes from \\r-separated updates', () => {
    const state = initialProgress();
    const splitter = new LineSplitter();
    const lines = splitter.push('remote: Counting objects: 100% (10/10), done.\rReceiving objects:  45% (4500/10000), 2.30 MiB | 1.20 MiB/s\rRecei');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(parseProgressLine(line, state)).toBe(true);
    expect(state).toEqual({ phase: 'receiving', percent: 45, receivedObjects: 4500, totalObjects: 10000, receivedBytes: Math.round(2.3 * 1024 ** 2) });
    expect(splitter.push('ving objects: 100% (10000/10000), 5.00 MiB | 1 MiB/s, done.\n')).toHaveLength(1);
    expect(parseProgressLine('Resolving deltas:  50% (1/2)', state)).toBe(true);
    expect(state.phase).toBe('resolving');
    expect(state.receivedObjects).toBe(4500); // resolving does not touch the transfer numbers
    expect(parseProgressLine("Cloning into 'x'...", state)).toBe(false);
  });
});

describe('credentials', () => {
  it('passes the token as an extraHeader in the environment, never in the URL', () => {
    const remote = prepareRemote('https://github.com/o/r.git', { tokens: { 'github.com': 'ghp_secret' }, env: {} });
    expect(remote.url).toBe('https://github.com/o/r.git');
    expect(remote.env['GIT_CONFIG_COUNT']).toBe('1');
    expect(remote.env['GIT_CONFIG_KEY_0']).toBe('http.https://github.com/.extraHeader');
    expect(remote.env['GIT_CONFIG_VALUE_0']).toBe(`Authorization: Basic ${Buffer.from('x-access-token:ghp_secret').toString('base64')}`);
    expect(cloneArgs(remote.url, '/tmp/x', { depth: 1 }).join(' ')).not.toContain('ghp_secret');
  });

  it('strips userinfo from URLs and uses it as the credential', () => {
    const remote = prepareRemote('https://me:pw123@gitlab.example.com/o/r.git', { env: {} });
    expect(remote.url).toBe('https://gitlab.example.com/o/r.git');
    expect(remote.env['GIT_CONFIG_VALUE_0']).toContain(Buffer.from('me:pw123').toString('base64'));
  });

  it('reads env, appends to an existing GIT_CONFIG_COUNT, and picks usernames by host', () => {
    const remote = prepareRemote('https://gitlab.com/o/r', { env: { GITFLEET_GIT_TOKEN: 't', GIT_CONFIG_COUNT: '2' } });
    expect(remote.env['GIT_CONFIG_COUNT']).toBe('3');
    expect(remote.env['GIT_CONFIG_VALUE_2']).toContain(Buffer.from('oauth2:t').toString('base64'));
    expect(defaultUsername('example.org')).toBe('git');
    expect(prepareRemote('git@github.com:o/r.git', { env: { GITFLEET_GIT_TOKEN: 't' } }).env).toEqual({});
  });

  it('redacts userinfo and secrets in messages', () => {
    expect(redact("fatal: unable to access 'https://u:tok@h/x/': 500", ['tok'])).toBe("fatal: unable to access 'https://***@h/x/': 500");
    const error = classifyGitFailure('fatal: Authentication failed for https://h/x sekrit\n', 'exit code 128', ['sekrit']);
    expect(error.code).toBe('GITFLEET_GIT_AUTH_FAILED');
    expect(error.message).not.toContain('sekrit');
    expect(classifyGitFailure('error: RPC failed; curl 18 transfer closed\nfatal: early EOF', '', []).transient).toBe(true);
    expect(classifyGitFailure("fatal: repository 'http://h/x/' not found", '', []).code).toBe('GITFLEET_GIT_CLONE_FAILED');
  });
});

describe('names and options', () => {
  it('derives and dedupes directory names', () => {
    expect(repoNameFromUrl('https://github.com/o/repo.git')).toBe('repo');
    expect(repoNameFromUrl('git@host:o/repo')).toBe('repo');
    const names = new NameAllocator();
    expect([names.allocate('https://a/x/r.git'), names.allocate('https://b/y/r'), names.allocate('https://c/R')]).toEqual(['r', 'r-2', 'R-3']);
  });

  it('dedupes URLs and validates options', () => {
    const fleet = createFleet(['https://h/a.git', 'https://h/a.git', 'https://u:p@h/a.git']);
    fleet.add(['https://h/b.git', 'https://h/a.git']);
    expect(fleet.snapshot().map((t) => [t.url, t.status])).toEqual([['https://h/a.git', 'queued'], ['https://h/b.git', 'queued']]);
    expect(() => createFleet([], { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createFleet([], { depth: 1.5 })).toThrow(/depth/);
  });
});
