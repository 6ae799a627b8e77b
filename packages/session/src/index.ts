export { createSession, Session, storeExists, storeKeyInEnv } from './session.js';
export type { GitTokenLookup, SessionOptions } from './session.js';
export { parseTarget } from './targets.js';
export type { ForgeTarget } from './targets.js';
export { cloneUrlOf, webOrigin } from './clone-url.js';
export { parseRepositoryArgs, parseRepositoryList } from './repository-list.js';
export type { RepositoryEntry } from './repository-list.js';
export { InvalidOptionError, SessionError } from './errors.js';
export type { SessionErrorCode } from './errors.js';
