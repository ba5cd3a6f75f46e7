import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { defaultTlsDir, ensureSandboxTls, type SandboxTls } from "./core/ca.js";
import { RequestLog } from "./core/request-log.js";
import { TokenRegistry } from "./core/tokens.js";
import { CircleCiEmulator } from "./circleci/index.js";
import { CircleCiOidcEmulator, CircleCiOidcIssuer, startJob, type SandboxJob, type SandboxJobOptions } from "./circleci-oidc/index.js";
import { discoveredIssuerKeys } from "./entra/federated/index.js";
import { startDirectorySandbox, type DirectorySandbox } from "./entra/start-directory.js";
import type { TokenReplica } from "./entra/token-replicas.js";
import { KeyVaultEmulator } from "./keyvault/index.js";
import { WebhookReceiver } from "./receiver/index.js";
import type { WorldSpec } from "./world/spec.js";

export interface SandboxOptions {
  tlsDir?: string;
  /** Clock of every emulator (timestamps of writes, password validity). */
  now?: () => Date;
  /**
   * CircleCI's own clock (default `now`): a real server's clock is not the watchdog's, so `updated_at` can be ahead
   * of or behind the time the watchdog reads on its own machine.
   */
  circleciNow?: () => Date;
  /** Page sizes, small to exercise paging. */
  circlePageSize?: number;
  graphPageSize?: number;
  vaultPageSize?: number;
  propagationDelayMs?: number;
  federatedPropagationDelayMs?: number;
  /** The token endpoint's replicas, each with its own delays for new and removed secrets. */
  replicas?: Array<Partial<TokenReplica>>;
}

/** A job of the sandbox's organization: its project, user, contexts and branch decide its OIDC tokens. */
export type SandboxJobSpec = Omit<SandboxJobOptions, "orgId">;

export interface Sandbox {
  tls: SandboxTls;
  /** One log of every request every emulator answered, in order. */
  log: RequestLog;
  circleci: CircleCiEmulator;
  /** CircleCI's OIDC issuer (https://oidc.circleci.com/org/<org>) on 127.0.0.1; Entra finds its keys there. */
  circleciOidc: CircleCiOidcEmulator;
  /** The OIDC tokens CircleCI would give a job of the world's organization. */
  job(spec: SandboxJobSpec): Promise<SandboxJob>;
  /**
   * Behaviours CircleCI does not document, modelled both ways. `customClaimsReachInjectedTokens`: whether a
   * project's custom `audience` (PATCH …/project/{id}/oidc-custom-claims) becomes the `aud` of the tokens CircleCI
   * injects ($CIRCLE_OIDC_TOKEN, _V2). Default false: what the documentation describes (the org id).
   */
  knobs: { customClaimsReachInjectedTokens: boolean };
  directory: DirectorySandbox;
  /**
   * Makes an issuer served on 127.0.0.1 (an OIDC broker in a Functions host) reachable by the sandbox's Entra under
   * its public URL: requests to `publicBase…` go to `localBase…`. The issuer itself stays its public URL everywhere.
   */
  publishIssuer(publicBase: string, localBase: string): void;
  keyVault: KeyVaultEmulator;
  receiver: WebhookReceiver;
  /** The settings (contract §1) that point the watchdog at this sandbox, plus the webhook variables of the demo policy. */
  env: Record<string, string>;
  /** A "whsec_…" signing secret for generic webhooks, also in env as OPS_WEBHOOK_SECRET. */
  signingSecret: string;
  close(): Promise<void>;
}

/** Starts every emulator and the webhook receiver over one world, on 127.0.0.1 with the sandbox CA. */
export async function startSandbox(world: WorldSpec, options: SandboxOptions = {}): Promise<Sandbox> {
  const tls = ensureSandboxTls(options.tlsDir ?? defaultTlsDir());
  const log = new RequestLog();
  const tokens = new TokenRegistry();
  const circleci = new CircleCiEmulator(world.circleci, { pageSize: options.circlePageSize, now: options.circleciNow ?? options.now, log });
  const circleciOidc = new CircleCiOidcEmulator(new CircleCiOidcIssuer(options.now), { log });
  await circleciOidc.start(tls);
  const publishedIssuers = new Map<string, string>();
  const publishedLocalUrl = (url: string): string | null => {
    for (const [publicBase, localBase] of publishedIssuers) if (url === publicBase || url.startsWith(`${publicBase}/`)) return `${localBase}${url.slice(publicBase.length)}`;
    return null;
  };
  const directory = await startDirectorySandbox(world.entra, tls, {
    tokens,
    log,
    issuerKeys: discoveredIssuerKeys({ localUrl: (url) => circleciOidc.localUrl(url) ?? publishedLocalUrl(url), ca: readFileSync(tls.caPath, "utf8") }),
    federatedPropagationDelayMs: options.federatedPropagationDelayMs,
    now: options.now,
    maxPageSize: options.graphPageSize,
    propagationDelayMs: options.propagationDelayMs,
    replicas: options.replicas,
  });
  const keyVault = new KeyVaultEmulator({ world: world.keyVault, tokens, tenantId: world.entra.tenantId, now: options.now, log, pageSize: options.vaultPageSize });
  const receiver = new WebhookReceiver();
  await Promise.all([circleci.start(tls), keyVault.start(tls), receiver.start(tls)]);

  const knobs = { customClaimsReachInjectedTokens: false };
  const signingSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const env: Record<string, string> = {
    CIRCLECI_TOKEN: world.circleci.token,
    CIRCLECI_ORG_ID: world.circleci.org.id,
    CIRCLECI_API_URL: `${circleci.url}/api/v2`,
    ...directory.environment,
    KEY_VAULT_URL: keyVault.url,
    // Its address (127.0.0.1) names no vault: the name Key Vault's Event Grid events carry as VaultName.
    KEY_VAULT_NAME: world.keyVault.name,
    NODE_EXTRA_CA_CERTS: tls.caPath,
    OPS_WEBHOOK_URL: receiver.urlFor("generic", "ops"),
    OPS_WEBHOOK_SECRET: signingSecret,
    SLACK_WEBHOOK_URL: receiver.urlFor("slack", "platform-slack", `/T000/B000/${randomBytes(12).toString("hex")}`),
    TEAMS_WEBHOOK_URL: receiver.urlFor("teams", "platform-teams", `/workflows/${randomBytes(12).toString("hex")}`),
  };
  return {
    tls,
    log,
    circleci,
    circleciOidc,
    job: (spec) => {
      const custom = knobs.customClaimsReachInjectedTokens ? circleci.oidcClaims.get(world.circleci.org.id, spec.projectId).audience : undefined;
      return startJob(circleciOidc.issuer, { orgId: world.circleci.org.id, ...(custom?.length ? { injectedAudience: custom } : {}), ...spec });
    },
    knobs,
    directory,
    publishIssuer: (publicBase, localBase) => {
      publishedIssuers.set(publicBase.replace(/\/+$/, ""), localBase.replace(/\/+$/, ""));
    },
    keyVault,
    receiver,
    env,
    signingSecret,
    close: async () => {
      await Promise.all([circleci.close(), circleciOidc.close(), directory.close(), keyVault.close(), receiver.close()]);
    },
  };
}
