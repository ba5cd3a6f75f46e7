/**
 * CircleCI's OIDC issuer in the sandbox: per-organization keys, discovery and JWKS over HTTPS, and the tokens a
 * job of a given project, user, branch and context set would get. Reusable by anything that needs to present a
 * CircleCI OIDC token (the Entra jwt-bearer exchange, an OIDC broker).
 */
export {
  CircleCiOidcIssuer,
  circleciClaim,
  circleciOidcHost,
  circleciOidcIssuerUrl,
  circleciSubject,
  circleciTokenLifetimeSeconds,
  type JobClaimsInput,
  type SubjectVersion,
} from "./issuer.js";
export { startJob, type SandboxJob, type SandboxJobOptions } from "./job.js";
export { CircleCiOidcEmulator, circleciOidcRouteNames } from "./emulator.js";
