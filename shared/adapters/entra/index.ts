export { ClientSecretTester, createEntraSecretTester, secretTesterSettingsSchema, type SecretTesterSettings } from "./client-secret-tester.js";
export { createWatchdogCredential } from "./watchdog-credential.js";
export { isMicrosoftAuthorityHost } from "./authority-host.js";
export { classifyTokenFailure, type TokenFailure } from "./token-failure.js";
export { createAdministratorCredential } from "./administrator-credential.js";
