export { createIdentityPool, DEFAULT_BASE_URLS } from './identity-pool.js';
export { MemoryStateStore } from './memory-state-store.js';
export { tokenSourcesFromEnv } from './token-sources-from-env.js';
export { CredentialStore, defaultCredentialsPath } from './credential-store.js';
export { maskToken, redact } from './mask.js';
export { DEFAULT_SCRYPT } from './credential-file.js';
export {
  TokensError,
  PoolExhaustedError,
  NoValidTokenError,
  IdentifyError,
  AbortError,
  InvalidOptionError,
  MissingKeyError,
  BadKeyError,
  CorruptStoreError,
  CredentialNotFoundError,
  StoreIOError,
  StoreLockedError,
  isTokensError,
} from './errors.js';
export type { TokensErrorCode, TokensErrorOptions } from './errors.js';
export type * from './types.js';
export type * from './state-store.js';
export type { ScryptParams } from './credential-file.js';
export type {
  CredentialStoreOptions,
  AddCredentialInput,
  StoredCredential,
  CredentialValidation,
  CredentialKind,
  GitHostCredential,
} from './credential-store.js';
