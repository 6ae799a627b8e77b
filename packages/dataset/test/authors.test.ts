import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBotIdentity, loginFromNoreply, openDataset, openDatasetWriter, type Dataset } from '../src/index.js';
import { commit, tempDir, type Temp } from './helpers.js';

interface Author {
  author_id: string;
  name: string;
  email: string;
  names: string[];
  emails: string[];
  logins: string[];
  is_bot: boolean;
  commits: number;
  repositories: number;
}

let temp: Temp;
let dataset: Dataset;
let authors: Author[];
const find = (email: string): Author => {
  const found = authors.filter((a) => a.emails.includes(email));
  expect(found, email).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  temp = await tempDir();
  const writer = await openDatasetWriter(temp.path);
  const p = (name: string, email: string) => ({ name, email });
  // GitHub repository 1: Ada under two names and two email spellings; Bob with a work and a noreply address.
  await writer.writeRepository('acme/one', {
    repositories: [{ provider: 'github' }],
    commits: [
      commit('1a', p('Ada Lovelace', 'ada@example.org'), 100),
      commit('1b', p('Ada Lovelace', 'Ada@Example.ORG'), 200),
      commit('1c', p('ada', 'ada@example.org'), 300),
      commit('1d', p('Bob', 'bob@work.example'), 400),
      commit('1e', p('Robert', '123+bobby@users.noreply.github.com'), 500),
      commit('1f', p('dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com'), 600),
      commit('1g', p('Renovate Bot', 'bot@renovateapp.com'), 700),
      commit('1h', p('github-actions[bot]', '41898282+github-actions[bot]@users.noreply.github.com'), 800, {
        committer_name: 'GitHub',
        committer_email: 'noreply@github.com',
      }),
      commit('1i', p('Carol', 'carol@home.example'), 900),
    ],
    // The provider said bob@work.example is bobby's.
    login_hints: [{ email: 'BOB@work.example', login: 'bobby' }],
    ownership: [{ path: 'a', author_name: 'Ada Lovelace', author_email: 'ADA@example.org', lines: 7 }],
    blame_lines: [{ path: 'a', line: 1, sha: '1a', author_name: 'Ada Lovelace', author_email: 'ada@example.org' }],
  });
  // GitLab repository: a different "bobby" (gitlab login) must stay apart from GitHub's bobby; Carol again, same email.
  await writer.writeRepository('group/two', {
    repositories: [{ provider: 'gitlab' }],
    commits: [commit('2a', p('Bobby G', 'bobby@gitlab-user.example'), 1000), commit('2b', p('Carol C', 'carol@home.example'), 1100), commit('1a', p('Ada Lovelace', 'ada@example.org'), 100)],
    login_hints: [{ email: 'bobby@gitlab-user.example', login: 'bobby' }],
  });
  // A repository with a name-only identity (no email).
  await writer.writeRepository('/local/three', { commits: [commit('3a', p('Nameless', ''), 1200), commit('3b', p('nameless ', ''), 1300)] });
  await writer.finalize();
  await writer.close();
  dataset = await openDataset(temp.path);
  authors = await dataset.query<Author>('SELECT * FROM authors');
});

afterAll(async () => {
  await dataset?.close();
  await temp?.cleanup();
});

describe('authors merged across the fleet', () => {
  it('same email, different names and case: one author, the most used name and email first', () => {
    const ada = find('ada@example.org');
    expect(ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.org', names: ['Ada Lovelace', 'ada'], emails: ['ada@example.org'], is_bot: false, logins: [] });
    // 1a is in two repositories: it counts once; repositories counts both.
    expect(ada.commits).toBe(3);
    expect(ada.repositories).toBe(2);
  });

  it('login hints and noreply addresses merge emails of one login; the same login on another provider stays apart', () => {
    const bob = find('bob@work.example');
    expect(bob.emails.sort()).toEqual(['123+bobby@users.noreply.github.com', 'bob@work.example']);
    expect(bob.names.sort()).toEqual(['Bob', 'Robert']);
    expect(bob.logins).toEqual(['bobby']);
    expect(bob.commits).toBe(2);
    const gitlabBobby = find('bobby@gitlab-user.example');
    expect(gitlabBobby.author_id).not.toBe(bob.author_id);
  });

  it('an author seen in several repositories is one author', () => {
    const carol = find('carol@home.example');
    expect(carol).toMatchObject({ names: ['Carol', 'Carol C'], commits: 2, repositories: 2 });
  });

  it('name-only identities merge by name, case and spaces aside', () => {
    const nameless = authors.filter((a) => a.names.some((n) => n.trim().toLowerCase() === 'nameless'));
    expect(nameless).toHaveLength(1);
    expect(nameless[0]).toMatchObject({ emails: [], commits: 2 });
  });

  it('bots are flagged: [bot] names and noreply addresses, renovate, github-actions, GitHub web-flow committer', () => {
    expect(find('49699333+dependabot[bot]@users.noreply.github.com').is_bot).toBe(true);
    expect(find('bot@renovateapp.com').is_bot).toBe(true);
    expect(find('41898282+github-actions[bot]@users.noreply.github.com').is_bot).toBe(true);
    expect(find('noreply@github.com').is_bot).toBe(true);
    expect(authors.filter((a) => a.is_bot)).toHaveLength(4);
  });

  it('every commit (author and committer), ownership and blame row joins an author', async () => {
    const [missing] = await dataset.query(`SELECT
      (SELECT count(*) FROM commits c LEFT JOIN authors a ON a.author_id = c.author_id WHERE a.author_id IS NULL) AS commit_authors,
      (SELECT count(*) FROM commits c LEFT JOIN authors a ON a.author_id = c.committer_id WHERE a.author_id IS NULL) AS committers,
      (SELECT count(*) FROM ownership o LEFT JOIN authors a USING (author_id) WHERE a.author_id IS NULL) AS ownership,
      (SELECT count(*) FROM blame_lines b LEFT JOIN authors a USING (author_id) WHERE a.author_id IS NULL) AS blame`);
    expect(missing).toEqual({ commit_authors: 0, committers: 0, ownership: 0, blame: 0 });
    const [own] = await dataset.query<{ author_id: string }>('SELECT author_id FROM ownership');
    expect(own!.author_id).toBe(find('ada@example.org').author_id);
    const [web] = await dataset.query<{ committer_id: string }>("SELECT committer_id FROM commits WHERE sha = '1h'");
    expect(web!.committer_id).toBe(find('noreply@github.com').author_id);
  });

  it('author ids are stable: a second finalize gives the same ids', async () => {
    const writer = await openDatasetWriter(temp.path);
    await writer.finalize();
    await writer.close();
    await dataset.refresh();
    const again = await dataset.query<Author>('SELECT author_id, email FROM authors ORDER BY author_id');
    expect(again).toEqual(authors.map((a) => ({ author_id: a.author_id, email: a.email })).sort((x, y) => (x.author_id < y.author_id ? -1 : 1)));
  });
});

describe('isBotIdentity / loginFromNoreply', () => {
  it.each([
    ['dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com', true],
    ['renovate[bot]', '29139614+renovate[bot]@users.noreply.github.com', true],
    ['Renovate Bot', 'bot@renovateapp.com', true],
    ['github-actions', 'action@github.com', true],
    ['GitHub', 'noreply@github.com', true],
    ['pre-commit-ci[bot]', '66853113+pre-commit-ci[bot]@users.noreply.github.com', true],
    ['Ada', 'ada@example.org', false],
    ['Bot Builder', 'botbuilder@example.org', false],
    ['Robert', '123+bobby@users.noreply.github.com', false],
  ])('%s <%s> is a bot: %s', (name, email, bot) => {
    expect(isBotIdentity(name, email)).toBe(bot);
  });

  it('reads GitHub and GitLab noreply addresses', () => {
    expect(loginFromNoreply('123+Bobby@users.noreply.github.com')).toEqual({ provider: 'github', login: 'Bobby' });
    expect(loginFromNoreply('bobby@users.noreply.github.com')).toEqual({ provider: 'github', login: 'bobby' });
    expect(loginFromNoreply('42-ada@users.noreply.gitlab.com')).toEqual({ provider: 'gitlab', login: 'ada' });
    expect(loginFromNoreply('ada@example.org')).toBeUndefined();
  });
});
