import { Emulator } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryState } from "../graph/directory-state.js";
import { authorityRoutes, type ExpiredSecretCode } from "./authority.js";
import type { IssuerKeys } from "./federated/index.js";
import { managedIdentityPath, managedIdentityRoutes } from "./managed-identity.js";
import { oauthErrorShape } from "./oauth-errors.js";

export interface EntraEmulatorOptions {
  /** The tenant, shared with the Graph emulator (apps and their passwords). */
  state: DirectoryState;
  /** Issues every token; the Graph and Key Vault emulators verify them. */
  tokens: TokenRegistry;
  /** A password added through Graph is refused for this many ms, as Entra does until it propagates. Default 0. */
  propagationDelayMs?: number;
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
  // Read by the token route on every request, so tests can change it at any time.
  private readonly propagation: { ms: number; federatedMs: number };
  private readonly expired: { code: ExpiredSecretCode };

  constructor(options: EntraEmulatorOptions) {
    const propagation = { ms: options.propagationDelayMs ?? 0, federatedMs: options.federatedPropagationDelayMs ?? 0 };
    const expired = { code: options.expiredSecretCode ?? 7000222 };
    super(
      {
        name: "entra",
        errorShape: oauthErrorShape,
        routes: [
          ...managedIdentityRoutes(options.state, options.tokens),
          ...authorityRoutes({
            state: options.state,
            tokens: options.tokens,
            propagationDelayMs: () => propagation.ms,
            expiredSecretCode: () => expired.code,
            federatedPropagationDelayMs: () => propagation.federatedMs,
            ...(options.issuerKeys ? { issuerKeys: options.issuerKeys } : {}),
          }),
        ],
      },
      options.log,
    );
    this.state = options.state;
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

  /** A password added through Graph is refused for this many ms. */
  get propagationDelayMs(): number {
    return this.propagation.ms;
  }

  set propagationDelayMs(ms: number) {
    this.propagation.ms = ms;
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
    };
  }

}
