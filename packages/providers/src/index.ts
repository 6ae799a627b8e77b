export { createGitHubClient } from './github/github-client.js';
export { createGitLabClient } from './gitlab/gitlab-client.js';
export { identifyGitHub, identifyGitLab, identifyProvider } from './identify.js';
export { createMemoryCache } from './http/memory-cache.js';
export { createFileCache } from './http/file-cache.js';
export { resolveBaseUrl, BASE_URL_ENV } from './base-url.js';
export { collect } from './collect.js';
export {
  ProviderError,
  AuthError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  RateLimitError,
  SecondaryRateLimitError,
  ServerError,
  NetworkError,
  PaginationError,
  InvalidOptionError,
  isProviderError,
} from './errors.js';
export type { ProviderErrorCode, ProviderErrorOptions, RateLimitErrorOptions } from './errors.js';
export type { ProviderClient, CallOptions, ListOptions, StateListOptions, StateFilter } from './provider-client.js';
export type {
  ProviderModel,
  User,
  Repository,
  Contributor,
  Branch,
  Member,
  Permission,
  Issue,
  ItemState,
  PullRequest,
  RateLimitStatus,
  CredentialStatus,
} from './models.js';
export type { ClientOptions } from './options.js';
export type { IdentifyOptions } from './identify.js';
export type { ConditionalCache, CachedResponse } from './http/conditional-cache.js';
export type { MemoryCacheOptions } from './http/memory-cache.js';
export type { FileCacheOptions } from './http/file-cache.js';
export type { RetryOptions, RequestEvent, WaitEvent, WaitReason } from './http/request-engine.js';
