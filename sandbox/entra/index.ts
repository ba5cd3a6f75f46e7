export { EntraEmulator, type EntraEmulatorOptions } from "./entra-emulator.js";
export type { ExpiredSecretCode } from "./authority.js";
export { entraRouteNames, type EntraRouteName } from "./route-names.js";
export { managedIdentityPath } from "./managed-identity.js";
export { startDirectorySandbox, type DirectorySandbox } from "./start-directory.js";
export { TokenReplicas, type ReplicaSpread, type TokenReplica } from "./token-replicas.js";
