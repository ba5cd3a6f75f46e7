/** The policy file: what to watch, rotate and migrate, and where to alert (contract §2). */
export { parsePolicy, type ParsePolicyOptions, type PolicyResult } from "./parse-policy.js";
export { formatIssue, formatPath, type PolicyIssue } from "./issue.js";
export { policySchema, policyDefaults, type Policy } from "./policy-schema.js";
export {
  credentialActions,
  credentialSchema,
  type CredentialAction,
  type OidcCredential,
  type PolicyCredential,
  type RotateCredential,
  type WatchCredential,
} from "./credential-schema.js";
export type { CircleciBinding } from "./circleci-binding.js";
export { rotationDefaults, type RotationPolicy } from "./rotation-schema.js";
export { oidcDefaults, maxFederatedCredentialsPerApp, type OidcPolicy } from "./oidc-schema.js";
export { defaultDigestAbove, webhookKinds, webhookSchema, type WebhookPolicy } from "./webhook-schema.js";
export { keptSharedPasswordNote, otherCredentialsOfApp } from "./shared-app.js";
export { maxWaiverDays, waiverDateIssues, waiverEndsAt, waiverNoticeDays, waiverSchema, type Waiver, type WaiverMatch } from "./waiver-schema.js";
export { brokerDefaults, brokerSchema, entraExchangeAudience, type BrokerPolicy, type BrokerRolePolicy } from "./broker-schema.js";
