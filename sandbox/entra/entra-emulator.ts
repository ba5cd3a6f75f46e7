import { Emulator } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryState } from "../graph/directory-state.js";
import { authorityRoutes, replicaAccepts, type ExpiredSecretCode } from "./authority.js";
import type { IssuerKeys } from "./federated/index.js";
import { TokenReplicas, type ReplicaSpread, type TokenReplica } from "./token-replicas.js";
import { managedIdentityPath, managedIdentityRoutes } from "./managed-identity.js";
import { oauthErrorShape } from "./oauth-errors.js";

export interface EntraEmulatorOptions {
  /** The tenant, shared with the Graph emulator (apps and their passwords). */
  state: DirectoryState;
  /** Issues every token; the Graph and Key Vault emulators verify them. */
  tokens: TokenRegistry;
  /** A password added through Graph is refused for this many ms, as Entra does until it propagates. Default 0. */
  propagationDelayMs?: number;
  /** Instead: the token endpoint's replicas, each with its own delays (see TokenReplica). */
  replicas?: Array<Partial<TokenReplica>>;
  replicaSpread?: ReplicaSpread;
  /** The code an expired secret is refused with: 7000222 (default, what Entra answers) or 7000215. */
  expiredSecretCode?: ExpiredSecretCode;
  /** A federated identity credential created through Graph is not matched for this many ms (AADSTS70021 meanwhile). Default 0. */
  federatedPropagationDelayMs?: number;
  /** Where the keys of external issuers (CircleCI's) are found for jwt-bearer client assertions. */
  issuerKeys?: IssuerKeys;
  log?: RequestLog;
}

/**
 * Entra ID over HTTPS on 127.0.0.1: the managed identity endpoint (`IDENTITY_ENDPOINT = identityEndpoint`,
 * `IDENTITY_HEADER = state.managedIdentity.identityHeader`) and the authority (`AZURE_AUTHORITY_HOST = url`).
 */
export class EntraEmulator extends Emulator {
  readonly state: DirectoryState;
  /** Read by the token route on every request, so tests can change the replicas at any time. */
  readonly replicas: TokenReplicas;
  // Read by the token route on every request, so tests can change it at any time.
  private readonly propagation: { federatedMs: number };
  private readonly expired: { code: ExpiredSecretCode };

  constructor(options: EntraEmulatorOptions) {
    const replicas = new TokenReplicas();
    const propagation = { federatedMs: options.federatedPropagationDelayMs ?? 0 };
    const expired = { code: options.expiredSecretCode ?? 7000222 };
    replicas.set({ replicas: options.replicas ?? [{ newSecretDelayMs: options.propagationDelayMs ?? 0 }], spread: options.replicaSpread });
    super(
      {
        name: "entra",
        errorShape: oauthErrorShape,
        routes: [
          ...managedIdentityRoutes(options.state, options.tokens),
          ...authorityRoutes({
            state: options.state,
            tokens: options.tokens,
            replicas,
            expiredSecretCode: () => expired.code,
            federatedPropagationDelayMs: () => propagation.federatedMs,
            ...(options.issuerKeys ? { issuerKeys: options.issuerKeys } : {}),
          }),
        ],
      },
      options.log,
    );
    this.state = options.state;
    this.replicas = replicas;
    this.propagation = propagation;
    this.expired = expired;
  }

  /** The AADSTS code an expired secret is refused with (7000222, or 7000215 as some documentation says). */
  get expiredSecretCode(): ExpiredSecretCode {
    return this.expired.code;
  }

  set expiredSecretCode(code: ExpiredSecretCode) {
    this.expired.code = code;
  }

  /** The longest delay of any replica before it accepts a new password. */
  get propagationDelayMs(): number {
    return Math.max(...this.replicas.current.replicas.map((r) => r.newSecretDelayMs));
  }

  /** One replica that refuses a password added through Graph for this many ms (and forgets a removed one at once). */
  set propagationDelayMs(ms: number) {
    this.replicas.set({ replicas: [{ newSecretDelayMs: ms }] });
  }

  /** Whether each replica would accept `secret` for the app right now, without taking a turn of the spread. */
  replicaVerdicts(appId: string, secret: string): boolean[] {
    const app = this.state.appByAppId(appId);
    if (!app) return this.replicas.current.replicas.map(() => false);
    const now = this.state.now();
    return this.replicas.verdicts((replica) => replicaAccepts(this.replicas, replica, this.state, app, secret, now) !== null);
  }

  /**
   * A federated identity credential created through Graph is not matched for this many ms: Entra answers
   * AADSTS70021 until it has propagated, "up to a few minutes" at worst (Microsoft Learn, "Create a trust relationship
   * between an app and an external identity provider": "it takes a few minutes for the federated identity credential
   * to be propagated throughout the directory"). Tests keep it at milliseconds.
   */
  get federatedPropagationDelayMs(): number {
    return this.propagation.federatedMs;
  }

  set federatedPropagationDelayMs(ms: number) {
    this.propagation.federatedMs = ms;
  }

  /** IDENTITY_ENDPOINT (`url` is the authority host, AZURE_AUTHORITY_HOST). */
  get identityEndpoint(): string {
    return `${this.url}${managedIdentityPath}`;
  }

  /** The environment a process needs to use this emulator through DefaultAzureCredential and ClientSecretCredential. */
  get environment(): Record<string, string> {
    return {
      IDENTITY_ENDPOINT: this.identityEndpoint,
      IDENTITY_HEADER: this.state.managedIdentity.identityHeader,
      AZURE_AUTHORITY_HOST: this.url,
      AZURE_TENANT_ID: this.state.tenantId,
      ...this.propagationSettings,
    };
  }

  /**
   * The watchdog's propagation settings that suit these replicas, as a user would choose them for a tenant
   * whose delays they knew: a settle of the slowest replica's delay and one acceptance per replica in a row.
   * (Real Entra publishes no bound; the watchdog's defaults are for it.)
   */
  get propagationSettings(): Record<string, string> {
    const { replicas } = this.replicas.current;
    return {
      WATCHDOG_PROPAGATION_SETTLE_SECONDS: String(this.propagationDelayMs / 1000),
      WATCHDOG_PROPAGATION_CONFIRMATIONS: String(replicas.length),
      WATCHDOG_PROPAGATION_SPACING_SECONDS: "0.01",
      WATCHDOG_PROPAGATION_READ_LAG_SECONDS: String(this.state.staleReadMs / 1000),
    };
  }

}
