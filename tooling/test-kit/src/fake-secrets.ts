/**
 * Strings shaped like real credentials, each carrying a unique marker, for tests that check what
 * reaches a model. They are built at run time so that no credential-shaped literal sits in the
 * source tree. None of them is a working credential.
 */
export type FakeSecretKind =
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'npm-token'
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'jwt'
  | 'private-key-block';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `marker` (letters and digits only), padded to `length` with deterministic letters and digits. */
function padded(marker: string, length: number, alphabet = ALNUM): string {
  if (!/^[A-Za-z0-9]+$/.test(marker)) throw new Error(`fakeSecret: the marker must be letters and digits: ${marker}`);
  let out = marker;
  for (let i = 0; out.length < length; i++) out += alphabet[(i * 7 + marker.length) % alphabet.length];
  return out.slice(0, length);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A credential-shaped string of `kind` that contains `marker` (letters and digits).
 *
 * @example
 * const token = fakeSecret('github-token', 'MarkerGh1'); // 'ghp_MarkerGh1...' (40 characters)
 */
export function fakeSecret(kind: FakeSecretKind, marker: string): string {
  switch (kind) {
    case 'github-token':
      return `ghp_${padded(marker, 36)}`;
    case 'gitlab-token':
      return `glpat-${padded(marker, 20)}`;
    case 'slack-token':
      return `xoxb-1234567890-1234567890123-${padded(marker, 24)}`;
    case 'npm-token':
      return `npm_${padded(marker, 36)}`;
    case 'aws-access-key-id':
      return `AKIA${padded(marker.toUpperCase(), 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    case 'aws-secret-access-key':
      return `aws_secret_access_key = ${padded(marker, 40)}`;
    case 'jwt':
      return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: marker, iat: 1700000000 })}.${padded(marker, 43)}`;
    case 'private-key-block':
      return `-----BEGIN OPENSSH PRIVATE KEY-----\n${padded(marker, 64)}\n-----END OPENSSH PRIVATE KEY-----`;
  }
}
