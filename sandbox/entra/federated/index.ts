/**
 * Entra's federated-credential exchange in the sandbox (the jwt-bearer client assertion of the client-credentials
 * grant) and how it finds an external issuer's keys. Reusable for any external issuer (CircleCI's, a broker's).
 */
export { checkClientAssertion, jwtBearerAssertionType, type AssertionCheck } from "./client-assertion.js";
export { anyIssuerKeys, discoveredIssuerKeys, type IssuerKeys } from "./issuer-keys.js";
