import type { RuleName } from "./rules.js";

/**
 * What an exchange can be refused for, named to the caller and in the audit: the CircleCI token's own checks, the
 * broker's limits, then the role's allow rules. Never a claim's value, never the token.
 */
export type TokenRule = "token" | "signature" | "issuer" | "audience" | "expired" | "not-yet-valid";
export type RefusalRule = TokenRule | "request" | "role" | "exchangesPerToken" | "rateLimit" | "circleciKeys" | RuleName;

export interface Refusal {
  rule: RefusalRule;
  reason: string;
}
