import { Emulator } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { VaultWorld } from "../world/spec.js";
import { challenge } from "./auth.js";
import { maxPageSize } from "./paging.js";
import { KeyVaultKeys, keyRoutes } from "./keys.js";
import { guardedRoute, keyVaultRouteTable } from "./routes.js";
import { KeyVaultRbac } from "./rbac.js";
import { KeyVaultState } from "./state.js";
import { keyVaultError } from "./wire.js";

export interface KeyVaultEmulatorOptions {
  world: VaultWorld;
  /** Shared with the Entra emulator: accepted tokens are the ones it issued for https://vault.azure.net. */
  tokens: TokenRegistry;
  /** The vault's tenant: named in the challenge, and a token from another tenant is refused. */
  tenantId: string;
  /** Items per list page when the client sends no `maxresults` (Key Vault: 25). Small values exercise paging. */
  pageSize?: number;
  /** Soft-delete retention (Key Vault: 7 to 90 days, default 90). */
  softDeleteRetentionDays?: number;
  /** Authority named in the challenge (default https://login.microsoftonline.com). */
  authorityHost?: string;
  now?: () => Date;
  log?: RequestLog;
}

/**
 * Azure Key Vault's secrets data plane as `@azure/keyvault-secrets` 4.11 speaks to it (api-version
 * 2025-07-01): the bearer challenge, versions, paging with nextLink, soft delete and recovery; and the keys an OIDC
 * issuer needs, as `@azure/keyvault-keys` 4.10 speaks to them (keys.ts).
 * Serve it on 127.0.0.1 and point a client at `url`; tests read `state`, set `faults` and check `log`.
 */
export class KeyVaultEmulator extends Emulator {
  readonly state: KeyVaultState;
  /** The vault's keys (the OIDC broker's signing key): create, read, list versions, sign. */
  readonly keys: KeyVaultKeys;
  /** The vault's Azure RBAC (off until `rbac.enabled`): roles per principal, with an assignment delay. */
  readonly rbac: KeyVaultRbac;

  constructor(options: KeyVaultEmulatorOptions) {
    const retentionDays = options.softDeleteRetentionDays ?? 90;
    if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
      throw new Error(`KeyVaultEmulator: softDeleteRetentionDays must be an integer from 7 to 90, got ${retentionDays}`);
    }
    const pageSize = options.pageSize ?? maxPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
      throw new Error(`KeyVaultEmulator: pageSize must be an integer from 1 to ${maxPageSize}, got ${pageSize}`);
    }
    const state = new KeyVaultState(options.world, options.now ?? (() => new Date()), retentionDays);
    const rbac = new KeyVaultRbac(options.now ?? (() => new Date()));
    const settings = {
      state,
      rbac,
      pageSize,
      tokens: options.tokens,
      tenantId: options.tenantId,
      authorityHost: (options.authorityHost ?? "https://login.microsoftonline.com").replace(/\/+$/, ""),
    };
    const keys = new KeyVaultKeys(options.now ?? (() => new Date()));
    super(
      {
        name: "keyvault",
        routes: [...keyVaultRouteTable(settings), ...keyRoutes(keys, (handler) => guardedRoute(settings, handler))],
        errorShape: (status, message) => keyVaultError(status, message),
        notFound: (req) => challenge(req, settings) ?? keyVaultError(404, `No operation ${req.method} ${req.path} on this vault.`, "NotFound"),
      },
      options.log,
    );
    this.state = state;
    this.keys = keys;
    this.rbac = rbac;
  }
}
