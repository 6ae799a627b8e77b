import { describe, expect, it } from 'vitest';
import { parseTarget } from '../src/targets.js';

describe('parseTarget', () => {
  it('reads provider targets and web URLs of github.com and gitlab.com', () => {
    expect(parseTarget('github:acme', 'owner')).toEqual({ provider: 'github', path: 'acme' });
    expect(parseTarget('gitlab:acme/platform', 'owner')).toEqual({ provider: 'gitlab', path: 'acme/platform' });
    expect(parseTarget('github:acme/api', 'repo')).toEqual({ provider: 'github', path: 'acme/api' });
    expect(parseTarget('https://gitlab.com/acme/platform/tools.git', 'repo')).toEqual({ provider: 'gitlab', path: 'acme/platform/tools' });
  });

  it('says what to write, in one line with a stable code', () => {
    const invalid = (message: RegExp) => expect.objectContaining({ code: 'GITFLEET_SESSION_INVALID_OPTION', message: expect.stringMatching(message) });
    expect(() => parseTarget('acme/api', 'repo')).toThrow(invalid(/write github:acme\/api or gitlab:acme\/api/));
    expect(() => parseTarget('github:acme', 'repo')).toThrow(invalid(/expected a repository/));
    expect(() => parseTarget('github:a/b/c', 'repo')).toThrow(invalid(/not a GitHub repo/));
    expect(() => parseTarget('https://example.org/acme/api', 'repo')).toThrow(invalid(/expected github:<owner>\/<repo>/));
  });
});
