import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

/**
 * CircleCI's OIDC issuer, one per organization, as CircleCI documents it ("Using OpenID Connect tokens in jobs",
 * circleci-docs docs/guides/modules/permissions-authentication/pages/openid-connect-tokens.adoc):
 * - `iss` is exactly `https://oidc.circleci.com/org/<organization_id>`; discovery at `<iss>/.well-known/openid-configuration`,
 *   keys at `<iss>/.well-known/jwks-pub.json` (the jwks_uri CircleCI's discovery document names);
 * - RS256 tokens, `exp` one hour after `iat`, `aud` the organization id unless a job asks
 *   `circleci run oidc get --claims '{"aud": …}'` (only `aud` can be customised: oidc-tokens-with-custom-claims.adoc);
 * - `sub` v1 `org/<org>/project/<project>/user/<user>`, v2 (`$CIRCLE_OIDC_TOKEN_V2`) adds `/vcs-origin/<origin>/vcs-ref/<ref>`;
 * - `oidc.circleci.com/project-id`, `…/context-ids` (one context said the docs until circleci-docs#9745 (Nov 2025) made
 *   it "the context(s)": several here), `…/vcs-origin` and `…/vcs-ref` (absent for custom-webhook pipelines), `…/ssh-rerun`.
 *
 * The issuer URL stays CircleCI's; the sandbox serves discovery and keys at a local address (see `CircleCiOidcEmulator`),
 * and the Entra emulator maps one to the other — so nothing in the product sees a sandbox issuer.
 */

export const circleciOidcHost = "https://oidc.circleci.com";
/** CircleCI's documented token lifetime. */
export const circleciTokenLifetimeSeconds = 3600;
export const circleciClaim = {
  projectId: "oidc.circleci.com/project-id",
  contextIds: "oidc.circleci.com/context-ids",
  vcsOrigin: "oidc.circleci.com/vcs-origin",
  vcsRef: "oidc.circleci.com/vcs-ref",
  sshRerun: "oidc.circleci.com/ssh-rerun",
  orgId: "oidc.circleci.com/org-id",
  pipelineId: "oidc.circleci.com/pipeline-id",
  workflowId: "oidc.circleci.com/workflow-id",
  jobId: "oidc.circleci.com/job-id",
} as const;

export function circleciOidcIssuerUrl(orgId: string): string {
  return `${circleciOidcHost}/org/${orgId}`;
}

/** What decides the claims of one job's tokens. */
export interface JobClaimsInput {
  orgId: string;
  projectId: string;
  /** The CircleCI user whose action ran the job. */
  userId: string;
  /** The contexts the job uses: CircleCI issues no OIDC token to a job without one. */
  contextIds: string[];
  /** e.g. github.com/acme/api; absent with `customWebhook`. */
  vcsOrigin?: string;
  /** e.g. refs/heads/main; absent with `customWebhook`. */
  vcsRef?: string;
  /** The pipeline was triggered by a custom webhook: no vcs-origin/vcs-ref claims. */
  customWebhook?: boolean;
  sshRerun?: boolean;
}

export type SubjectVersion = "v1" | "v2";

export function circleciSubject(input: Pick<JobClaimsInput, "orgId" | "projectId" | "userId" | "vcsOrigin" | "vcsRef" | "customWebhook">, version: SubjectVersion): string {
  const base = `org/${input.orgId}/project/${input.projectId}/user/${input.userId}`;
  if (version === "v1") return base;
  // The docs give custom-webhook pipelines the same v2 form while saying their origin and ref are absent: they are empty here.
  const origin = input.customWebhook ? "" : (input.vcsOrigin ?? "");
  const ref = input.customWebhook ? "" : (input.vcsRef ?? "");
  return `${base}/vcs-origin/${origin}/vcs-ref/${ref}`;
}

interface OrgKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Keys and tokens of every organization's issuer. Keys are made on first use, per organization; `rotateKeys`
 * starts signing with a new key while the JWKS keeps the old one, as an issuer rolling its keys does.
 */
export class CircleCiOidcIssuer {
  private readonly keys = new Map<string, OrgKey[]>();

  constructor(readonly now: () => Date = () => new Date()) {}

  private async newKey(): Promise<OrgKey> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    return { kid, privateKey, publicJwk };
  }

  private async keysOf(orgId: string): Promise<OrgKey[]> {
    let keys = this.keys.get(orgId.toLowerCase());
    if (!keys) {
      keys = [await this.newKey()];
      this.keys.set(orgId.toLowerCase(), keys);
    }
    return keys;
  }

  async rotateKeys(orgId: string): Promise<void> {
    (await this.keysOf(orgId)).unshift(await this.newKey());
  }

  /** `<iss>/.well-known/jwks-pub.json`. */
  async jwks(orgId: string): Promise<{ keys: JWK[] }> {
    return { keys: (await this.keysOf(orgId)).map((k) => k.publicJwk) };
  }

  /** `<iss>/.well-known/openid-configuration`, with the jwks_uri on the issuer's own host. */
  discovery(orgId: string): Record<string, unknown> {
    const issuer = circleciOidcIssuerUrl(orgId);
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks-pub.json`,
      subject_types_supported: ["public"],
      response_types_supported: ["id_token"],
      id_token_signing_alg_values_supported: ["RS256"],
      claims_supported: ["aud", "exp", "iat", "iss", "sub", ...Object.values(circleciClaim)],
    };
  }

  /** One signed token as CircleCI hands it to a job (`$CIRCLE_OIDC_TOKEN`, `…_V2`, or `circleci run oidc get`). */
  async issue(job: JobClaimsInput, options: { version: SubjectVersion; audience?: string | string[]; ids?: { pipelineId: string; workflowId: string; jobId: string } }): Promise<string> {
    const [key] = await this.keysOf(job.orgId);
    const iat = Math.floor(this.now().getTime() / 1000);
    const vcs = job.customWebhook
      ? {}
      : { ...(job.vcsOrigin ? { [circleciClaim.vcsOrigin]: job.vcsOrigin } : {}), ...(job.vcsRef ? { [circleciClaim.vcsRef]: job.vcsRef } : {}) };
    const ids = options.ids ?? { pipelineId: randomUUID(), workflowId: randomUUID(), jobId: randomUUID() };
    return new SignJWT({
      [circleciClaim.orgId]: job.orgId,
      [circleciClaim.projectId]: job.projectId,
      [circleciClaim.contextIds]: [...job.contextIds],
      ...vcs,
      [circleciClaim.sshRerun]: job.sshRerun ?? false,
      [circleciClaim.pipelineId]: ids.pipelineId,
      [circleciClaim.workflowId]: ids.workflowId,
      [circleciClaim.jobId]: ids.jobId,
    })
      .setProtectedHeader({ alg: "RS256", kid: key!.kid, typ: "JWT" })
      .setIssuer(circleciOidcIssuerUrl(job.orgId))
      .setSubject(circleciSubject(job, options.version))
      .setAudience(options.audience ?? job.orgId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + circleciTokenLifetimeSeconds)
      .sign(key!.privateKey);
  }
}
