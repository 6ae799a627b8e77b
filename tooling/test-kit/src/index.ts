export { git, gitText, deterministicEnv } from './git.js';
export type { GitOptions } from './git.js';
export { createTempDir } from './create-temp-dir.js';
export type { TempDir } from './create-temp-dir.js';
export { commitFiles, writeFiles } from './commit-files.js';
export type { CommitMeta, FileContent, Identity } from './commit-files.js';
export { createEmptyRepo } from './create-empty-repo.js';
export type { RepoLocation, TempRepo } from './create-empty-repo.js';
export { createShallowClone } from './create-shallow-clone.js';
export { createBareClone } from './create-bare-clone.js';
export { createTrickyRepo } from './create-tricky-repo.js';
export type { StagedChange, TrickyCommit, TrickyRename, TrickyRepo, TrickyRepoFacts } from './create-tricky-repo.js';
export { generateLargeRepo } from './generate-large-repo.js';
export type { LargeRepo, LargeRepoOptions } from './generate-large-repo.js';
export { mulberry32 } from './mulberry32.js';
export type { Random } from './mulberry32.js';
export { startGitHttpServer } from './git-http-server.js';
export type {
  GitHttpFault,
  GitHttpRepoSettings,
  GitHttpRequest,
  GitHttpServer,
  GitHttpServerOptions,
} from './git-http-server.js';
export { startHttpProxy } from './http-proxy.js';
export type { HttpProxy, ProxyRequest } from './http-proxy.js';
export { DAMAGE_KINDS, damage, damageFile } from './damage-file.js';
export type { DamageKind } from './damage-file.js';
export { startRedis } from './start-redis.js';
export type { RedisServer, RedisServerOptions } from './start-redis.js';
export { fakeSecret } from './fake-secrets.js';
export type { FakeSecretKind } from './fake-secrets.js';
