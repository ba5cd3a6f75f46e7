import picomatch from "picomatch";
import type { CircleCiJobClaims } from "./claims.js";

/** A role's `allow` rules with project slugs and context names already resolved to the ids tokens carry. */
export interface ResolvedAllow {
  projectIds: readonly string[];
  /** Globs on the full ref; a pattern without `refs/` means a branch (`main` is `refs/heads/main`). Absent: any ref. */
  branches?: readonly string[];
  vcsOrigin?: string;
  /** The job must run with at least one of these contexts. Absent: no context rule. */
  contextIds?: readonly string[];
  /** An SSH rerun gets the role only when this is true (default false). */
  sshRerun: boolean;
}

export type RuleName = "projectIds" | "branches" | "vcsOrigin" | "contexts" | "sshRerun";

export type RoleDecision = { granted: true } | { granted: false; rule: RuleName; reason: string };

/** `main` -> `refs/heads/main`; `refs/tags/v*` stays. */
export function fullRefPattern(pattern: string): string {
  return pattern.startsWith("refs/") ? pattern : `refs/heads/${pattern}`;
}

/** True when `ref` matches one of the globs as a whole (`*` stays within a path segment, `**` crosses them). */
export function refMatches(ref: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => picomatch.isMatch(ref, fullRefPattern(pattern), { dot: true, nonegate: true, noextglob: true, nobrace: true }));
}

const refuse = (rule: RuleName, reason: string): RoleDecision => ({ granted: false, rule, reason });

/**
 * Whether a job's token earns a role. Every rule must hold and each fails closed: a claim the rule needs that is
 * absent (or malformed) refuses. The reason names the rule and our own words — never a claim's value.
 */
export function evaluateAllow(allow: ResolvedAllow, claims: CircleCiJobClaims): RoleDecision {
  if (!claims.projectId || !allow.projectIds.includes(claims.projectId)) return refuse("projectIds", "the job's project is not allowed this role");
  if (claims.sshRerun !== false && !(claims.sshRerun === true && allow.sshRerun)) {
    return refuse("sshRerun", claims.sshRerun === undefined ? "the token does not say whether the job is an SSH rerun" : "an SSH rerun never gets this role");
  }
  if (allow.vcsOrigin !== undefined && claims.vcsOrigin !== allow.vcsOrigin) {
    return refuse("vcsOrigin", claims.vcsOrigin === undefined ? "the token names no VCS origin (a custom-webhook pipeline?)" : "the job's repository is not allowed this role");
  }
  if (allow.branches !== undefined && (claims.vcsRef === undefined || !refMatches(claims.vcsRef, allow.branches))) {
    return refuse("branches", claims.vcsRef === undefined ? "the token names no VCS ref (a custom-webhook pipeline?)" : "the job's branch or tag is not allowed this role");
  }
  if (allow.contextIds !== undefined && !(claims.contextIds ?? []).some((id) => allow.contextIds!.includes(id))) {
    return refuse("contexts", "the job does not run with a context this role requires");
  }
  return { granted: true };
}
