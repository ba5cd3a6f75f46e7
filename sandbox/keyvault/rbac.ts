import type { EmulatorReply } from "../core/emulator.js";
import type { TokenClaims } from "../core/tokens.js";
import { keyVaultError } from "./wire.js";

/** The data actions of the secrets data plane ("Azure built-in roles for Security", Key Vault section). */
export type SecretAction = "readMetadata" | "getSecret" | "setSecret" | "update" | "delete" | "recover" | "purge";

/**
 * Built-in Key Vault roles and the secret data actions each allows: https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/security
 * (Key Vault Secrets Officer: secrets/*; Key Vault Secrets User: getSecret/action and readMetadata/action;
 * Key Vault Reader: readMetadata/action only).
 */
export const keyVaultRoles: Record<string, SecretAction[]> = {
  "Key Vault Administrator": ["readMetadata", "getSecret", "setSecret", "update", "delete", "recover", "purge"],
  "Key Vault Secrets Officer": ["readMetadata", "getSecret", "setSecret", "update", "delete", "recover", "purge"],
  "Key Vault Secrets User": ["readMetadata", "getSecret"],
  "Key Vault Reader": ["readMetadata"],
};

/**
 * A vault with the Azure RBAC permission model. A caller without a role that allows the operation gets 403
 * with code Forbidden and inner code ForbiddenByRbac, message "Caller is not authorized to perform action on
 * resource. If role assignments, deny assignments or role definitions were changed recently, please observe
 * propagation time." (as azure-core's HttpResponseError and Terraform's azurerm provider print it in public
 * reports: `Code="Forbidden" … InnerError={"code":"ForbiddenByRbac"}`). A new role
 * assignment takes effect only after a delay ("can take up to 10 minutes", Key Vault RBAC guide:
 * https://learn.microsoft.com/en-us/azure/key-vault/general/rbac-guide). Off (every caller allowed, as under an
 * access policy granting all) until `enabled` is set.
 */
export class KeyVaultRbac {
  enabled = false;
  /** A role assigned through `assign` takes effect this long after the assignment. */
  assignmentDelayMs = 0;
  private readonly assignments = new Map<string, Array<{ role: string; at: number }>>();

  constructor(private readonly now: () => Date) {}

  /** Assigns a built-in role to a principal (object id) at the vault scope. */
  assign(principalId: string, role: string, options: { effectiveNow?: boolean } = {}): void {
    if (!keyVaultRoles[role]) throw new Error(`unknown Key Vault role ${role}`);
    const list = this.assignments.get(principalId.toLowerCase()) ?? [];
    list.push({ role, at: options.effectiveNow ? -Infinity : this.now().getTime() });
    this.assignments.set(principalId.toLowerCase(), list);
  }

  unassignAll(principalId: string): void {
    this.assignments.delete(principalId.toLowerCase());
  }

  /** 403 ForbiddenByRbac unless a role in effect allows `action` for the caller. */
  deny(claims: TokenClaims, action: SecretAction): EmulatorReply | undefined {
    if (!this.enabled) return undefined;
    const principal = (claims.oid ?? claims.appid).toLowerCase();
    const at = this.now().getTime();
    const allowed = (this.assignments.get(principal) ?? []).some((a) => at - a.at >= this.assignmentDelayMs && keyVaultRoles[a.role]!.includes(action));
    if (allowed) return undefined;
    return keyVaultError(
      403,
      `Caller is not authorized to perform action on resource. If role assignments, deny assignments or role definitions were changed recently, please observe propagation time. Action: 'Microsoft.KeyVault/vaults/secrets/${action}/action'`,
      "Forbidden",
      "ForbiddenByRbac",
    );
  }
}
