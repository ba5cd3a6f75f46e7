import { randomUUID } from "node:crypto";
import type { CircleCiOidcIssuer, JobClaimsInput, SubjectVersion } from "./issuer.js";

/**
 * A CircleCI job as far as OIDC goes: the two tokens CircleCI injects into its environment and the CLI's
 * `circleci run oidc get --claims '{"aud": …}'`, which returns a token with that audience on stdout.
 */
export interface SandboxJob {
  env: { CIRCLE_OIDC_TOKEN: string; CIRCLE_OIDC_TOKEN_V2: string };
  /** `circleci run oidc get --claims '<json>'`: only `aud` may be customised (CircleCI's docs); anything else fails as the CLI does. */
  oidcGet(claimsJson: string): Promise<string>;
}

export interface SandboxJobOptions extends JobClaimsInput {
  /**
   * The audience(s) of the injected tokens. CircleCI documents the org id; whether a project's custom claims
   * (`/org/{orgID}/project/{projectID}/oidc-custom-claims`) change it is not documented — the caller decides (a knob).
   */
  injectedAudience?: string[];
  /**
   * The subject form of `circleci run oidc get`'s token. CircleCI does not document which one it is: both are modelled.
   * Default v1.
   */
  oidcGetSubject?: SubjectVersion;
}

const audienceOf = (list: string[] | undefined): string | string[] | undefined => (list && list.length > 0 ? (list.length === 1 ? list[0] : list) : undefined);

/** What CircleCI would give a job of this project, user, branch and contexts. */
export async function startJob(issuer: CircleCiOidcIssuer, options: SandboxJobOptions): Promise<SandboxJob> {
  if (options.contextIds.length === 0) {
    // CircleCI issues OIDC tokens only to jobs that use at least one context.
    throw new Error("CircleCI issues no OIDC token to a job that uses no context");
  }
  const ids = { pipelineId: randomUUID(), workflowId: randomUUID(), jobId: randomUUID() };
  const injected = audienceOf(options.injectedAudience);
  const issue = (version: SubjectVersion, audience?: string | string[]) =>
    issuer.issue(options, { version, ids, ...(audience !== undefined ? { audience } : {}) });
  const [v1, v2] = await Promise.all([issue("v1", injected), issue("v2", injected)]);
  return {
    env: { CIRCLE_OIDC_TOKEN: v1, CIRCLE_OIDC_TOKEN_V2: v2 },
    async oidcGet(claimsJson: string): Promise<string> {
      let claims: unknown;
      try {
        claims = JSON.parse(claimsJson);
      } catch {
        throw new Error("circleci run oidc get: --claims is not valid JSON");
      }
      if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new Error("circleci run oidc get: --claims must be a JSON object");
      const extra = Object.keys(claims).filter((key) => key !== "aud");
      if (extra.length > 0) throw new Error(`circleci run oidc get: only the aud claim can be customised, not ${extra.join(", ")}`);
      const aud = (claims as { aud?: unknown }).aud;
      if (aud !== undefined && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))) {
        throw new Error("circleci run oidc get: aud must be a string or a list of strings");
      }
      return issue(options.oidcGetSubject ?? "v1", (aud as string | string[] | undefined) ?? injected);
    },
  };
}
