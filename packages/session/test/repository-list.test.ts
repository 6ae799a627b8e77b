import { describe, expect, it } from 'vitest';
import { parseRepositoryArgs, parseRepositoryList } from '../src/repository-list.js';
import { cloneUrlOf, webOrigin } from '../src/clone-url.js';

describe('repository lists', () => {
  it('derives the web host from the API URL of each forge', () => {
    expect(webOrigin('github', {})).toBe('https://github.com');
    expect(webOrigin('gitlab', {})).toBe('https://gitlab.com');
    expect(webOrigin('github', { GITHUB_API_URL: 'https://api.github.com' })).toBe('https://github.com');
    expect(webOrigin('github', { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' })).toBe('https://ghe.example.com');
    expect(webOrigin('github', { GITHUB_API_URL: 'https://api.acme.ghe.com' })).toBe('https://acme.ghe.com');
    expect(webOrigin('gitlab', { GITLAB_API_URL: 'https://gitlab.example.com/api/v4' })).toBe('https://gitlab.example.com');
    expect(webOrigin('gitlab', { GITLAB_API_URL: 'http://127.0.0.1:8080/tools/gitlab/api/v4' })).toBe('http://127.0.0.1:8080/tools/gitlab');
    expect(() => webOrigin('gitlab', { GITLAB_API_URL: 'not a url' })).toThrow(/GITLAB_API_URL is not a URL/);
    expect(cloneUrlOf({ provider: 'gitlab', path: 'acme/platform/tools' }, {})).toBe('https://gitlab.com/acme/platform/tools.git');
  });

  it('reads URLs, github:/gitlab: targets, repos ndjson lines and a repos json array', () => {
    const ndjson = [
      '# a comment',
      'https://example.org/a.git',
      '',
      'github:acme/api',
      '{"provider":"github","fullName":"acme/web","cloneUrl":"https://github.com/acme/web.git","sshUrl":"git@github.com:acme/web.git"}',
      'gitlab:acme/platform/tools',
      'git@example.org:o/r.git',
    ].join('\n');
    expect(parseRepositoryList(ndjson, 'stdin', {})).toEqual([
      { url: 'https://example.org/a.git' },
      { url: 'https://github.com/acme/api.git' },
      { url: 'https://github.com/acme/web.git' },
      { url: 'https://gitlab.com/acme/platform/tools.git' },
      { url: 'git@example.org:o/r.git' },
    ]);
    const json = JSON.stringify([{ cloneUrl: 'https://github.com/acme/a.git' }, { fullName: 'acme/b' }], null, 2);
    expect(parseRepositoryList(json, 'list.json', {})).toEqual([
      { url: 'https://github.com/acme/a.git' },
      { entry: '{"fullName":"acme/b"}', error: expect.stringMatching(/^list\.json, item 2: a JSON entry without a cloneUrl/) },
    ]);
  });

  it('a bad line is an entry that fails alone; a bad argument is a usage error', () => {
    expect(parseRepositoryList('github:acme\n{"cloneUrl": 3}\n{oops', 'stdin', {})).toEqual([
      { entry: 'github:acme', error: expect.stringMatching(/^stdin, line 1: expected a repository/) },
      { entry: '{"cloneUrl":3}', error: expect.stringMatching(/^stdin, line 2: a JSON entry without a cloneUrl/) },
      { entry: '{oops', error: 'stdin, line 3: not valid JSON' },
    ]);
    expect(parseRepositoryList('{"url":"https://me:s3cret@example.org/x.git"}', 'stdin', {})).toEqual([
      { entry: '{"url":"https://***@example.org/x.git"}', error: expect.stringContaining('without a cloneUrl') },
    ]);
    expect(() => parseRepositoryArgs(['https://example.org/a.git', 'gitlab:'], {})).toThrow(expect.objectContaining({ code: 'GITFLEET_SESSION_INVALID_OPTION', message: expect.stringMatching(/^argument 2:/) }));
  });
});
