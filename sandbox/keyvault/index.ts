export { KeyVaultEmulator, type KeyVaultEmulatorOptions } from "./keyvault-emulator.js";
export { keyVaultRoutes, supportedApiVersions } from "./routes.js";
export { KeyVaultState, type EmulatedDeletedSecret, type EmulatedSecret, type EmulatedSecretVersion } from "./state.js";
export { keyVaultResource } from "./auth.js";
export { KeyVaultRbac, keyVaultRoles, type SecretAction } from "./rbac.js";
