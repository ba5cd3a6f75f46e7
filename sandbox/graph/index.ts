export { GraphEmulator, type GraphEmulatorOptions } from "./graph-emulator.js";
export {
  DirectoryState,
  type DirectoryApp,
  type DirectoryFederatedCredential,
  type DirectoryKeyCredential,
  type DirectoryPassword,
  type DirectoryServicePrincipalSignIn,
  type DirectorySignIn,
  type SignInReportStyle,
  type ManagedIdentity,
} from "./directory-state.js";
export { graphApplicationWriteRoutes, graphRouteNames, type GraphRouteName } from "./route-names.js";
export { ficLimits } from "./routes/federated-credentials.js";
export { batchLimit } from "./routes/batch.js";
export { graphAudience, type MissingCredentialAnswer, type PolicyRefusalAnswer } from "./graph-context.js";
export {
  defaultTenantPolicy,
  type AssignedAppManagementPolicy,
  type PasswordRestriction,
  type TenantAppManagementPolicy,
} from "./app-management-policy.js";
export { smallTenantWorld, type SmallTenantOptions } from "./small-tenant.js";
