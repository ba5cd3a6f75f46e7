export { createCircleCiStore, CircleCiStore } from "./circleci-store.js";
export { CircleCiError, type CircleCiErrorDetails } from "./circleci-error.js";
export { circleCiStoreSettingsSchema, type CircleCiStoreSettings } from "./settings.js";
export { createCircleCiTokenVerifier, circleciIssuerOf, type CircleCiTokenVerifierOptions } from "./oidc-token-verifier.js";
