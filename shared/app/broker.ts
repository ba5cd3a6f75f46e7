import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createCircleCiTokenVerifier } from "../adapters/circleci/index.js";
import { createSigningKeys } from "../adapters/keyvault/index.js";
import { brokerRefusalsAlert } from "../domain/alerts/index.js";
import type { BrokerPolicy } from "../domain/policy/index.js";
import { deliverPending, recordAlerts } from "../engine/alerts/index.js";
import { BrokerKeys, exchangeToken, resolveRoles, type ExchangeOutcome, type Jwks, type ResolvedRole } from "../engine/broker/index.js";
import { webhookSinks } from "../engine/cycle.js";
import type { CircleCiTokenVerifier } from "../ports/circleci-oidc.js";
import type { PublishedKey } from "../ports/signing-keys.js";
import { buildAdapters, type WatchdogHost } from "./compose.js";
import { BadInputError } from "./errors.js";
import { loadPolicy, PolicyFileError } from "./load-policy.js";
import { readSettings, SettingsError, type BrokerSettings, type Settings } from "./settings.js";
import type { ExchangeBody } from "./broker-request.js";

/** The broker is not set up here (no BROKER_ISSUER_URL): its endpoints answer 404, as if absent. */
export class BrokerNotConfiguredError extends BadInputError {
  constructor() {
    super("settings", ["BROKER_ISSUER_URL: not set, so the OIDC broker is off"]);
    this.name = "BrokerNotConfiguredError";
  }
}

export interface BrokerOptions {
  host: WatchdogHost;
  now?: () => Date;
  credential?: TokenCredential;
}

/** The refusal window of the burst alert. */
export const refusalWindowMs = 10 * 60_000;
/** Resolved roles (project slugs and context names read from CircleCI) are kept this long per instance. */
const roleCacheMs = 5 * 60_000;

/**
 * What one instance keeps between invocations: the CircleCI key set (jose's cache), the broker's key versions, the
 * resolved roles. Keyed by the settings they depend on, so a changed setting builds new ones.
 */
interface InstanceState {
  verifiers: Map<string, CircleCiTokenVerifier>;
  keys: BrokerKeys;
  roles: { policy: string; at: number; roles: ResolvedRole[] } | null;
}
const instances = new Map<string, InstanceState>();

function brokerSettings(settings: Settings): BrokerSettings {
  if (!settings.broker) throw new BrokerNotConfiguredError();
  if (!settings.keyVaultUrl) throw new SettingsError(["KEY_VAULT_URL: required by the OIDC broker (its signing key lives there)"]);
  if (!settings.circleci.orgId) throw new SettingsError(["CIRCLECI_ORG_ID: required by the OIDC broker (the CircleCI issuer it trusts)"]);
  return settings.broker;
}

function instanceFor(settings: Settings, broker: BrokerSettings, credential: TokenCredential): InstanceState {
  const key = JSON.stringify([broker, settings.keyVaultUrl, settings.circleci.orgId]);
  let state = instances.get(key);
  if (!state) {
    const keys = new BrokerKeys(createSigningKeys({ vaultUrl: settings.keyVaultUrl!, keyName: broker.keyName, credential }), {
      activationMs: broker.keyActivationMs,
      overlapMs: broker.keyOverlapMs,
    });
    state = { verifiers: new Map(), keys, roles: null };
    instances.set(key, state);
  }
  return state;
}

export interface Broker {
  readonly issuer: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  discovery(): Record<string, unknown>;
  /** The JWKS at the discovery document's `jwks_uri`. */
  jwks(): Promise<Jwks>;
  exchange(body: ExchangeBody): Promise<ExchangeOutcome>;
  /** A new key version: published now, signing after BROKER_KEY_ACTIVATION_SECONDS (`watchdog broker rotate-key`). */
  rotateKey(): Promise<PublishedKey>;
}

/** The discovery document: its `issuer` is exactly BROKER_ISSUER_URL, the federated credentials' issuer. */
export function brokerDiscovery(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/keys`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: ["iss", "sub", "aud", "exp", "iat", "nbf", "jti"],
  };
}

/** The broker as the Functions endpoints (and the CLI's key rotation) use it. Throws BrokerNotConfiguredError or BadInputError. */
export async function openBroker(env: Record<string, string | undefined>, options: BrokerOptions): Promise<Broker> {
  const settings = readSettings(env);
  const broker = brokerSettings(settings);
  const now = options.now ?? (() => new Date());
  const credential = options.credential ?? new DefaultAzureCredential();
  const instance = instanceFor(settings, broker, credential);
  const issuer = broker.issuerUrl;

  const policyRoles = async (policy: BrokerPolicy, ci: Parameters<typeof resolveRoles>[1]): Promise<ResolvedRole[]> => {
    const text = JSON.stringify(policy);
    const cached = instance.roles;
    if (cached && cached.policy === text && now().getTime() - cached.at < roleCacheMs) return cached.roles;
    const resolved = await resolveRoles(policy, ci);
    if (!resolved.ok) throw new PolicyFileError(settings.policyPath, resolved.issues);
    instance.roles = { policy: text, at: now().getTime(), roles: resolved.roles };
    return resolved.roles;
  };

  return {
    issuer,
    discovery: () => brokerDiscovery(issuer),
    jwks: () => instance.keys.jwks(now()),
    rotateKey: () => instance.keys.rotate(),
    async exchange(body) {
      const policy = await loadPolicy(settings.policyPath, env, { now: now(), endedWaivers: "allow" });
      if (!policy.broker) throw new PolicyFileError(settings.policyPath, ["broker: the policy has no broker section, so no role can be granted"]);
      if (policy.broker.audience === settings.circleci.orgId) {
        throw new PolicyFileError(settings.policyPath, ["broker.audience: must not be the organization id (every CircleCI token of the organization carries it by default)"]);
      }
      const adapters = buildAdapters(settings, { vault: false }, options.host, credential);
      const roles = await policyRoles(policy.broker, adapters.ci);
      const verifierKey = policy.broker.audience;
      let verifier = instance.verifiers.get(verifierKey);
      if (!verifier) {
        verifier = createCircleCiTokenVerifier({ orgId: settings.circleci.orgId!, audience: policy.broker.audience, oidcUrl: broker.circleciOidcUrl });
        instance.verifiers.set(verifierKey, verifier);
      }
      const sinks = webhookSinks(policy);
      return exchangeToken(
        {
          issuer,
          roles,
          limits: { exchangesPerToken: policy.broker.exchangesPerToken, ratePerMinute: broker.ratePerMinute, refusalAlertThreshold: broker.refusalAlertThreshold, refusalWindowMs },
          verifier,
          keys: instance.keys,
          state: adapters.state,
          newId: randomUUID,
          onRefusalBurst: async ({ windowStart, refusals }) => {
            const at = now();
            const alert = brokerRefusalsAlert({ windowStart, windowMinutes: refusalWindowMs / 60_000, refusals, now: at });
            await recordAlerts(adapters.state, { raise: [alert], ledger: { put: [], remove: [] } }, sinks, at);
            await deliverPending(adapters.state, adapters.notifier, sinks, at, { concurrency: 4, actor: "broker" });
          },
        },
        { token: body.token, role: body.role },
        now(),
      );
    },
  };
}


/**
 * The static-file fallback: `<dir>/.well-known/openid-configuration` and `<dir>/keys`, to be served at the issuer
 * (BROKER_ISSUER_URL then points at that host) where a Functions route with a dot segment answers 404.
 */
export async function writeBrokerDocuments(broker: Broker, dir: string): Promise<string[]> {
  const discovery = join(dir, ".well-known", "openid-configuration");
  const keys = join(dir, "keys");
  await mkdir(join(dir, ".well-known"), { recursive: true });
  await writeFile(discovery, `${JSON.stringify(broker.discovery(), null, 2)}\n`);
  await writeFile(keys, `${JSON.stringify(await broker.jwks(), null, 2)}\n`);
  return [discovery, keys];
}
