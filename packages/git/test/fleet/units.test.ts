import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cloneArgs } from '../../src/fleet/clone-one.js';
import { defaultUsername, gitTokensFromEnv, isLoopback, normalizeHost, prepareRemote } from '../../src/fleet/credentials.js';
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
  it('hands git a credential helper through the environment, never the token in the URL, argv or helper text', () => {
    const remote = prepareRemote('https://github.com/o/r.git', { tokens: { 'github.com': 'ghp_secret' }, env: {} });
    expect(remote.url).toBe('https://github.com/o/r.git');
    expect(remote.env).toMatchObject({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '', // clears the user's helpers: none of them is asked to store our token
      GIT_CONFIG_KEY_1: 'credential.helper',
      GITFLEET_GIT_CREDENTIAL_PROTOCOL: 'https',
      GITFLEET_GIT_CREDENTIAL_HOST: 'github.com',
      GITFLEET_GIT_CREDENTIAL_USERNAME: 'x-access-token',
      GITFLEET_GIT_CREDENTIAL_PASSWORD: 'ghp_secret',
    });
    expect(remote.env['GIT_CONFIG_VALUE_1']).not.toContain('ghp_secret');
    expect(cloneArgs(remote.url, '/tmp/x', { depth: 1 }).join(' ')).not.toContain('ghp_secret');
  });

  it('the helper answers only for its own protocol and host (run by a real sh)', () => {
    const remote = prepareRemote('http://127.0.0.1:8080/o/r.git', { tokens: { '127.0.0.1:8080': 'tok' }, env: {} });
    const ask = (request: string): string =>
      execFileSync('sh', ['-c', `${remote.env['GIT_CONFIG_VALUE_1']!.slice(1)} get`], { input: request, env: { PATH: process.env['PATH'], ...remote.env } }).toString();
    expect(ask('protocol=http\nhost=127.0.0.1:8080\n')).toBe('username=git\npassword=tok\n');
    expect(ask('protocol=http\nhost=127.0.0.1:8081\n')).toBe('');
    expect(ask('protocol=https\nhost=127.0.0.1:8080\n')).toBe('');
    expect(ask('protocol=http\nhost=localhost:8080\n')).toBe('');
    expect(execFileSync('sh', ['-c', `${remote.env['GIT_CONFIG_VALUE_1']!.slice(1)} store`], { input: 'protocol=http\nhost=127.0.0.1:8080\n', env: remote.env }).toString()).toBe('');
  });

  it('strips userinfo from URLs and uses it as the credential', () => {
    const remote = prepareRemote('https://me:pw123@gitlab.example.com/o/r.git', { env: {} });
    expect(remote.url).toBe('https://gitlab.example.com/o/r.git');
    expect(remote.env).toMatchObject({ GITFLEET_GIT_CREDENTIAL_USERNAME: 'me', GITFLEET_GIT_CREDENTIAL_PASSWORD: 'pw123', GITFLEET_GIT_CREDENTIAL_HOST: 'gitlab.example.com' });
  });

  it('GITFLEET_GIT_TOKEN applies to GITFLEET_GIT_HOST only (default github.com); GITFLEET_GIT_TOKENS per host', () => {
    expect(prepareRemote('https://gitlab.com/o/r', { env: { GITFLEET_GIT_TOKEN: 't' } }).env).toEqual({});
    expect(prepareRemote('https://github.com/o/r', { env: { GITFLEET_GIT_TOKEN: 't' } }).env['GITFLEET_GIT_CREDENTIAL_PASSWORD']).toBe('t');
    const remote = prepareRemote('https://gitlab.com/o/r', { env: { GITFLEET_GIT_TOKEN: 't', GITFLEET_GIT_HOST: 'GitLab.com', GIT_CONFIG_COUNT: '2' } });
    expect(remote.env).toMatchObject({ GIT_CONFIG_COUNT: '4', GIT_CONFIG_KEY_3: 'credential.helper', GITFLEET_GIT_CREDENTIAL_USERNAME: 'oauth2' });
    expect(gitTokensFromEnv({ GITFLEET_GIT_TOKENS: ' a.example=1, b.example:8443=2,,https://C.example/=3', GITFLEET_GIT_TOKEN: '4', GITFLEET_GIT_HOST: 'a.example' })).toEqual({
      'a.example': '1',
      'b.example:8443': '2',
      'c.example': '3',
    });
    // A host:port key does not match another port, and a key without a port matches only the default one.
    expect(prepareRemote('https://b.example/o/r', { env: { GITFLEET_GIT_TOKENS: 'b.example:8443=2' } }).env).toEqual({});
    expect(() => gitTokensFromEnv({ GITFLEET_GIT_TOKENS: 'a.example=1,secret-without-host' })).toThrow(/entry 2 is not host=token/);
    expect(() => gitTokensFromEnv({ GITFLEET_GIT_TOKENS: 'a b=secret' })).toThrow(expect.objectContaining({ code: 'GITFLEET_GIT_INVALID_OPTION', message: expect.not.stringContaining('secret') }));
    expect(prepareRemote('git@github.com:o/r.git', { env: { GITFLEET_GIT_TOKEN: 't' } }).env).toEqual({});
    expect(defaultUsername('example.org')).toBe('git');
  });

  it('never over plain http except to loopback', () => {
    const tokens = { 'example.org': 't', 'localhost:9': 't', '127.0.0.2:9': 't', '[::1]:9': 't' };
    expect(prepareRemote('http://example.org/o/r', { tokens, env: {} })).toMatchObject({ env: {}, withheld: expect.stringContaining('plain http') });
    for (const url of ['http://localhost:9/r', 'http://127.0.0.2:9/r', 'http://[::1]:9/r']) {
      expect(prepareRemote(url, { tokens, env: {} }).env['GITFLEET_GIT_CREDENTIAL_PASSWORD']).toBe('t');
    }
    expect(prepareRemote('http://u:t@example.org/o/r', { env: {} }).error?.code).toBe('GITFLEET_GIT_INSECURE_TRANSPORT');
    expect([isLoopback('127.255.0.1'), isLoopback('[::1]'), isLoopback('LOCALHOST'), isLoopback('128.0.0.1'), isLoopback('localhost.evil.com')]).toEqual([true, true, true, false, false]);
    expect([normalizeHost('GitHub.com'), normalizeHost('https://h.example:443/'), normalizeHost('h:8080'), normalizeHost('a b'), normalizeHost('u@h')]).toEqual(['github.com', 'h.example', 'h:8080', undefined, undefined]);
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
