import { describe, expect, it } from 'vitest';
import { tokenSourcesFromEnv } from '../src/index.js';

describe('tokenSourcesFromEnv', () => {
  it('reads single and comma-separated tokens, trimmed and deduplicated, with base URLs', () => {
    const sources = tokenSourcesFromEnv({
      GITHUB_TOKEN: ' ghp_one ',
      GITHUB_TOKENS: 'ghp_two, ghp_one,, ghp_three ,ghp_two',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      GITLAB_TOKENS: 'glpat-a',
    });
    expect(sources).toEqual([
      { token: 'ghp_one', provider: 'github', label: 'GITHUB_TOKEN', baseUrl: 'https://ghe.example.com/api/v3' },
      { token: 'ghp_two', provider: 'github', label: 'GITHUB_TOKENS[1]', baseUrl: 'https://ghe.example.com/api/v3' },
      { token: 'ghp_three', provider: 'github', label: 'GITHUB_TOKENS[4]', baseUrl: 'https://ghe.example.com/api/v3' },
      { token: 'glpat-a', provider: 'gitlab', label: 'GITLAB_TOKENS[1]' },
    ]);
  });

  it("reads gh's GH_TOKEN like GITHUB_TOKEN, once when both hold the same token", () => {
    expect(tokenSourcesFromEnv({ GH_TOKEN: ' ghp_gh ' })).toEqual([{ token: 'ghp_gh', provider: 'github', label: 'GH_TOKEN' }]);
    expect(tokenSourcesFromEnv({ GITHUB_TOKEN: 'ghp_a', GH_TOKEN: 'ghp_b', GITHUB_TOKENS: 'ghp_a,ghp_c' }).map((s) => s.label)).toEqual([
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'GITHUB_TOKENS[2]',
    ]);
    expect(tokenSourcesFromEnv({ GITHUB_TOKEN: 'ghp_same', GH_TOKEN: 'ghp_same' })).toHaveLength(1);
  });

  it('returns nothing for an empty environment', () => {
    expect(tokenSourcesFromEnv({ GITHUB_TOKEN: '  ', GITLAB_TOKENS: ' , ' })).toEqual([]);
  });
});
