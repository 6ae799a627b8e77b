import { describe, expect, it } from 'vitest';
import { parseSource, parseSourceArgs, parseSourceList } from '../src/index.js';

describe('fleet sources', () => {
  it('tells forge targets, URLs, local paths and repos ndjson lines apart', () => {
    expect(parseSource('github:acme')).toEqual({ kind: 'forge', spec: 'github:acme', provider: 'github', path: 'acme' });
    expect(parseSource('gitlab:acme/platform/tools')).toEqual({ kind: 'forge', spec: 'gitlab:acme/platform/tools', provider: 'gitlab', path: 'acme/platform/tools' });
    expect(parseSource('https://example.org/a.git')).toEqual({ kind: 'url', spec: 'https://example.org/a.git', url: 'https://example.org/a.git' });
    expect(parseSource('git@example.org:o/r.git')).toMatchObject({ kind: 'url', url: 'git@example.org:o/r.git' });
    expect(parseSource('../repos/app')).toEqual({ kind: 'path', spec: '../repos/app', path: '../repos/app' });
    expect(parseSource('.')).toMatchObject({ kind: 'path', path: '.' });
    const line = '{"provider":"github","fullName":"acme/web","cloneUrl":"https://github.com/acme/web.git","fork":true,"archived":false,"stars":3,"defaultBranch":"main","raw":{"x":1}}';
    expect(parseSource(line)).toEqual({
      kind: 'listing',
      spec: line,
      repository: { provider: 'github', fullName: 'acme/web', cloneUrl: 'https://github.com/acme/web.git', fork: true, archived: false, stars: 3, defaultBranch: 'main' },
    });
  });

  it('a bad entry of a list fails alone; a bad argument throws', () => {
    const list = parseSourceList('# fleet\ngithub:acme\n\n{"fullName":"x"}\ngithub:\n{oops\n/srv/app\n', 'stdin');
    expect(list.map((s) => s.kind)).toEqual(['forge', 'invalid', 'invalid', 'invalid', 'path']);
    expect(list[1]).toMatchObject({ error: expect.stringMatching(/^stdin, line 4: a JSON entry without a cloneUrl/) });
    expect(list[2]).toMatchObject({ error: expect.stringMatching(/^stdin, line 5: /) });
    expect(list[3]).toMatchObject({ error: 'stdin, line 6: not valid JSON' });
    expect(parseSourceList('[{"cloneUrl":"https://example.org/a.git"}]', 'list.json')).toEqual([
      { kind: 'listing', spec: '{"cloneUrl":"https://example.org/a.git"}', repository: { cloneUrl: 'https://example.org/a.git' } },
    ]);
    expect(() => parseSourceArgs(['github:acme', 'gitlab:'])).toThrow(expect.objectContaining({ code: 'GITFLEET_SESSION_INVALID_OPTION', message: expect.stringMatching(/^argument 2:/) }));
  });

  it('masks a password written into a JSON entry it echoes', () => {
    expect(parseSource('{"url":"https://me:s3cret@example.org/x.git"}')).toMatchObject({ kind: 'invalid', spec: '{"url":"https://***@example.org/x.git"}' });
  });
});
