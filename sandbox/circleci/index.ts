export { CircleCiEmulator, circleCiRouteNames, circleCiVariableWriteRoutes, type CircleCiEmulatorOptions, type CircleCiRouteName } from "./emulator.js";
export { CircleCiState, type EmulatedContext, type EmulatedContextVariable, type EmulatedRestriction, type EmulatedProject, type EmulatedProjectVariable } from "./state.js";
export { circleLimits } from "./limits.js";
export { OidcCustomClaims, type CustomClaims } from "./oidc-claims.js";
export { sampleCircleWorld } from "./sample-world.js";
