import type { TokenCredential } from "@azure/identity";
import { z } from "zod";
import { createAdministratorCredential } from "../adapters/entra/index.js";
import { createGraphDirectory } from "../adapters/graph/index.js";
import { grantOwnership, type OwnershipReport } from "../engine/ownership/index.js";
import { BadInputError } from "./errors.js";
import { loadPolicy } from "./load-policy.js";
import { readSettings } from "./settings.js";

export interface OwnershipGrantRequest {
  /** --principal-id; else WATCHDOG_IDENTITY_PRINCIPAL_ID. */
  principalId?: string;
  dryRun: boolean;
  /** The administrator's sign-in; by default AZURE_* client secret, else the Azure CLI user (never the managed identity). */
  credential?: TokenCredential;
  now?: () => Date;
}

const objectId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

/**
 * `watchdog grant-ownership`: settings and policy as every command reads them, Graph through the administrator's
 * credential. Bad input (no or malformed principal id, settings, policy) throws a BadInputError before any request.
 */
export async function grantOwnershipFromSettings(env: Record<string, string | undefined>, request: OwnershipGrantRequest): Promise<OwnershipReport> {
  const settings = readSettings(env);
  const given = request.principalId ?? settings.identityPrincipalId;
  if (!given) {
    throw new BadInputError("arguments", [
      "--principal-id: required (or WATCHDOG_IDENTITY_PRINCIPAL_ID): the object id of the watchdog's service principal — azd outputs it as WATCHDOG_IDENTITY_PRINCIPAL_ID, and watchdog doctor names it in its fixes",
    ]);
  }
  if (!objectId.safeParse(given).success) throw new BadInputError("arguments", ["--principal-id: expected a UUID (the service principal's object id)"]);
  const now = request.now ?? (() => new Date());
  const policy = await loadPolicy(settings.policyPath, env, { now: now(), endedWaivers: "allow" });
  const credential = request.credential ?? createAdministratorCredential({ authorityHost: settings.authorityHost, tenantId: settings.tenantId });
  const directory = createGraphDirectory({ graphUrl: settings.graphUrl, credential });
  return grantOwnership(directory, policy, { principalId: given, dryRun: request.dryRun });
}
