import { inspect } from 'node:util';
import type { ForgeIdentitySpec, ForgeSeed } from '@gitfleet/test-kit/forge-server';

// Token-shaped secrets: long enough that a leak would be recognizable in any output.
export const TOKENS = {
  alice: 'ghp_aliceSECRETaliceSECRETalice000001',
  bob: 'ghp_bobSECRETbobSECRETbobSECRETbob00002',
  carol: 'ghp_carolSECRETcarolSECRETcarol000003',
  dave: 'ghp_daveSECRETdaveSECRETdaveSECRET0004',
  app: 'ghs_appSECRETappSECRETappSECRETapp0005',
  aliceLab: 'glpat-aliceSECRETaliceSECRET00001',
  bobLab: 'glpat-bobSECRETbobSECRETbob000002',
} as const;

export const ALL_SECRETS: string[] = Object.values(TOKENS);

/** A small world: org `acme` (members alice, bob, carol) with subgroups on GitLab, and a user repo. */
export function smallSeed(): ForgeSeed {
  return {
    users: [{ login: 'alice', name: 'Alice A.' }, { login: 'bob' }, { login: 'carol' }, { login: 'dave' }],
    orgs: [{ login: 'acme', name: 'Acme Inc.', members: ['alice', 'bob', 'carol'] }],
    groups: [{ path: 'acme/platform' }, { path: 'acme/platform/tools' }],
    repos: [
      {
        owner: 'acme',
        name: 'web',
        issues: 7,
        pulls: 8,
        branches: ['dev', 'release'],
        protectedBranches: ['main', 'release'],
        contributors: [
          { login: 'alice', contributions: 40 },
          { login: 'bob', contributions: 12 },
        ],
        collaborators: [{ login: 'dave', permission: 'triage' }],
      },
      { owner: 'acme', name: 'secret', private: true, issues: 1 },
      { owner: 'acme/platform', name: 'api', issues: 2 },
      { owner: 'acme/platform/tools', name: 'cli', private: true },
      { owner: 'alice', name: 'dotfiles' },
    ],
  };
}

export const githubIdentities = (limit = 5000): ForgeIdentitySpec[] => [
  { token: TOKENS.alice, login: 'alice', limit },
  { token: TOKENS.bob, login: 'bob', limit },
  { token: TOKENS.carol, login: 'carol', limit },
  { token: TOKENS.dave, login: 'dave', limit, scopes: ['public_repo'] },
  { token: TOKENS.app, login: 'acme-app', kind: 'installation', limit },
];

export const gitlabIdentities = (): ForgeIdentitySpec[] => [
  { token: TOKENS.aliceLab, login: 'alice', provider: 'gitlab', scopes: ['read_api', 'read_repository'] },
  { token: TOKENS.bobLab, login: 'bob', provider: 'gitlab' },
];

/** Fails when any secret appears in the error's message, stack, JSON, inspect output or cause chain. */
export function assertNoSecret(error: unknown, secrets: readonly string[] = ALL_SECRETS): void {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) texts.push(current.message, current.stack ?? '');
    texts.push(JSON.stringify(current) ?? '', inspect(current, { depth: 10, showHidden: true }));
    current = current instanceof Error ? current.cause : undefined;
  }
  const all = texts.join('\n');
  for (const secret of secrets) {
    if (all.includes(secret)) throw new Error(`a token leaked into an error: ${all.slice(0, 500)}`);
  }
}

/** Catches the rejection of `promise` (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
