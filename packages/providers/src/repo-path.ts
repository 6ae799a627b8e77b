import type { ProviderKind } from '@gitfleet/tokens';
import { InvalidOptionError } from './errors.js';

/** Splits and checks `owner/name` (GitLab: `group/sub/project`). */
export function repoSegments(provider: ProviderKind, repo: string): string[] {
  const parts = typeof repo === 'string' ? repo.split('/') : [];
  const ok = parts.length >= 2 && (provider === 'gitlab' || parts.length === 2) && parts.every((p) => p !== '' && p !== '.' && p !== '..');
  if (!ok) {
    throw new InvalidOptionError(
      `repository must be ${provider === 'github' ? '"owner/name"' : '"group/.../project"'}, got ${JSON.stringify(repo)}`,
      provider,
    );
  }
  return parts;
}

export function ownerSegment(provider: ProviderKind, owner: string): string {
  if (typeof owner !== 'string' || owner === '' || (provider === 'github' && owner.includes('/'))) {
    const expected = provider === 'github' ? 'login' : 'user or group path';
    throw new InvalidOptionError(`owner must be a ${expected}, got ${JSON.stringify(owner)}`, provider);
  }
  return owner;
}
