export { startForgeServer } from './start-forge-server.js';
export type {
  ForgeBudget,
  ForgeBudgetKey,
  ForgeFault,
  ForgeFaultMatch,
  ForgeGroupSeed,
  ForgeIdentitySpec,
  ForgeOrgSeed,
  ForgePermission,
  ForgeProvider,
  ForgeRepoSeed,
  ForgeRequest,
  ForgeSeed,
  ForgeServer,
  ForgeServerOptions,
  ForgeUserSeed,
} from './types.js';
