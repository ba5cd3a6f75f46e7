import pLimit from "p-limit";
import {
  circleciContextGrant,
  circleciProjectGrant,
  doctorReport,
  graphRoleGrant,
  keyVaultGrant,
  ownerGrant,
  ownershipCheck,
  appsToOwn,
  type DoctorCheck,
  type DoctorReport,
} from "../../domain/doctor/index.js";
import type { AppOwnership } from "../../domain/finding.js";
import type { Policy, PolicyCredential } from "../../domain/policy/index.js";
import type { EntraApp } from "../../domain/snapshot.js";
import type { CallerIdentity } from "../../ports/directory.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { observed } from "../observed-error.js";
import { selfWatchChecks } from "./self-watch-checks.js";
import { tenantPolicyChecks } from "./tenant-policy-checks.js";

export interface DoctorOptions {
  /** KEY_VAULT_URL, named in the Key Vault grant. */
  vaultUrl?: string;
  /** The clock the tenant policy is judged by (default: now). */
  now?: Date;
}

const names = (credentials: PolicyCredential[]) => credentials.map((c) => c.name).join(", ");

function graphChecks(identity: CallerIdentity, policy: Policy): DoctorCheck[] {
  const has = (role: string) => identity.roles.includes(role);
  const changing = policy.credentials.filter((c) => c.action === "rotate" || c.action === "oidc");
  const oidc = policy.credentials.filter((c) => c.action === "oidc");
  const checks: DoctorCheck[] = [];
  const canRead = ["Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"].some(has);
  checks.push({
    need: "Graph Application.Read.All (or Application.ReadWrite.OwnedBy)",
    neededFor: "inventory: reading app registrations and their secrets' expiry",
    status: canRead ? "present" : "missing",
    fix: canRead ? "" : graphRoleGrant("Application.Read.All", identity.principalId),
  });
  if (changing.length > 0) {
    const canWrite = has("Application.ReadWrite.OwnedBy") || has("Application.ReadWrite.All");
    checks.push({
      need: "Graph Application.ReadWrite.OwnedBy",
      neededFor: `rotate / federate: ${names(changing)}`,
      status: canWrite ? "present" : "missing",
      fix: canWrite ? "" : graphRoleGrant("Application.ReadWrite.OwnedBy", identity.principalId),
      credentials: changing.map((c) => c.name),
    });
  }
  const rotating = policy.credentials.filter((c) => c.action === "rotate");
  if (rotating.length > 0) {
    checks.push({
      need: "Graph Policy.Read.All",
      neededFor: `reading the tenant's app management policies, so new secrets are minted within them: ${names(rotating)} (without it a refused mint is reported as blocked)`,
      status: has("Policy.Read.All") ? "present" : "missing",
      fix: has("Policy.Read.All") ? "" : graphRoleGrant("Policy.Read.All", identity.principalId),
    });
  }
  if (oidc.length > 0) {
    checks.push({
      need: "Graph AuditLog.Read.All",
      neededFor: `OIDC retirement on sign-in evidence: ${names(oidc)} (without it a secret is retired only by watchdog retire --confirm)`,
      status: has("AuditLog.Read.All") ? "present" : "missing",
      fix: has("AuditLog.Read.All") ? "" : graphRoleGrant("AuditLog.Read.All", identity.principalId),
    });
  }
  return checks;
}

/**
 * Every app a rotate or oidc credential binds, and whether the watchdog's service principal is among its owners
 * (Application.ReadWrite.OwnedBy changes only owned apps). Owners that cannot be read are "unknown", never owned.
 * `knownApps` (the inventory's apps) saves looking each app up again; `identity` null: it could not be read.
 */
export async function readAppOwnership(ports: WatchdogPorts, identity: CallerIdentity | null, policy: Policy, knownApps: readonly EntraApp[] = []): Promise<AppOwnership[]> {
  const byApp = appsToOwn(policy.credentials);
  const principalId = identity?.principalId ?? null;
  const limit = pLimit(4);
  return Promise.all(
    [...byApp.values()].map((credentials) =>
      limit(async (): Promise<AppOwnership> => {
        const appId = credentials[0]!.entra!.appId;
        const base = { appId, credentials: credentials.map((c) => c.name) };
        const fix = ownerGrant(appId, principalId);
        if (identity === null) return { ...base, owner: "unknown", fix, detail: "the watchdog's own identity could not be read" };
        if (identity.roles.includes("Application.ReadWrite.All")) return { ...base, owner: "not-needed" };
        try {
          const app = knownApps.find((a) => a.appId.toLowerCase() === appId.toLowerCase()) ?? (await ports.directory.getApplication(appId));
          if (!app) return { ...base, owner: "unknown", fix: `no app registration with appId ${appId} is visible: check entra.appId in the policy`, detail: "not found" };
          const named = { ...base, appName: app.displayName };
          const owners = await ports.directory.listOwners(app.objectId);
          const owner = principalId !== null && owners.some((o) => o.toLowerCase() === principalId.toLowerCase());
          return owner ? { ...named, owner: "yes" } : { ...named, owner: "no", fix };
        } catch (error) {
          return { ...base, owner: "unknown", fix, detail: `could not read the app's owners: ${observed(error).text}` };
        }
      }),
    ),
  );
}

/**
 * Key Vault: reading each rotated secret's versions proves read access; setting a version cannot be checked
 * without writing one, so that part is "unverified" when reading works. A 403 right after a role assignment may
 * be the assignment still propagating (Key Vault RBAC takes up to ten minutes).
 */
async function vaultChecks(ports: WatchdogPorts, policy: Policy, options: DoctorOptions, identity: CallerIdentity): Promise<DoctorCheck[]> {
  const rotating = policy.credentials.filter((c) => c.action === "rotate");
  if (rotating.length === 0) return [];
  const vaultUrl = options.vaultUrl ?? "<KEY_VAULT_URL>";
  const fix = keyVaultGrant(vaultUrl, identity.principalId);
  if (!ports.vault) return [{ need: "Key Vault (KEY_VAULT_URL)", neededFor: `rotate: ${names(rotating)}`, status: "missing", fix: "set KEY_VAULT_URL to the vault that holds rotated secrets", credentials: rotating.map((c) => c.name) }];
  const checks: DoctorCheck[] = [];
  for (const credential of rotating) {
    const name = credential.keyVault.secretName;
    const need = `Key Vault Secrets Officer on ${vaultUrl} (secret ${name})`;
    const neededFor = `rotate ${credential.name}: store each new value, read it back, disable old versions`;
    const credentials = [credential.name];
    try {
      await ports.vault.listVersions(name);
      checks.push({ need, neededFor, status: "unverified", fix: `reading works; writing cannot be checked without a write: make sure of the role — ${fix}`, credentials });
    } catch (error) {
      const seen = observed(error);
      // Key Vault cannot tell a missing role from one assigned minutes ago that has not reached it yet.
      const fixText = seen.status === 403 ? `${fix} (a role assigned in the last 10 minutes may still be propagating: run doctor again)` : fix;
      // Only a refusal says the role is missing; any other failure leaves it unknown (and still not present).
      const status = seen.status === 401 || seen.status === 403 ? "missing" : "unknown";
      checks.push({ need, neededFor, status, fix: fixText, detail: seen.text, credentials });
    }
  }
  return checks;
}

async function circleciChecks(ports: WatchdogPorts, policy: Policy): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const contexts = new Map<string, PolicyCredential[]>();
  const projects = new Map<string, PolicyCredential[]>();
  for (const c of policy.credentials) {
    if ("context" in c.circleci) contexts.set(c.circleci.context, [...(contexts.get(c.circleci.context) ?? []), c]);
    else projects.set(c.circleci.project, [...(projects.get(c.circleci.project) ?? []), c]);
  }
  if (contexts.size > 0) {
    let known: Awaited<ReturnType<WatchdogPorts["ci"]["listContexts"]>> = [];
    try {
      known = await ports.ci.listContexts();
    } catch (error) {
      const credentials = [...contexts.values()].flat().map((c) => c.name);
      return [{ need: "CircleCI: list the organization's contexts", neededFor: "every context binding", status: "missing", fix: "check CIRCLECI_TOKEN and CIRCLECI_ORG_ID (the token's user must belong to the organization)", detail: observed(error).text, credentials }];
    }
    for (const [name, credentials] of contexts) {
      const need = `CircleCI context ${name}`;
      const neededFor = `${credentials.map((c) => `${c.action} ${c.name}`).join(", ")}`;
      const bound = credentials.map((c) => c.name);
      const context = known.find((k) => k.name === name);
      if (!context) {
        checks.push({ need, neededFor, status: "missing", fix: `create context ${name}, or ${circleciContextGrant(name)}`, detail: "not among the contexts the token can see", credentials: bound });
        continue;
      }
      try {
        await ports.ci.listContextVariables(context);
        checks.push({ need, neededFor, status: "present", fix: "", credentials: bound });
      } catch (error) {
        checks.push({ need, neededFor, status: "missing", fix: circleciContextGrant(name), detail: observed(error).text, credentials: bound });
      }
    }
  }
  for (const [slug, credentials] of projects) {
    const need = `CircleCI project ${slug}`;
    const neededFor = `${credentials.map((c) => `${c.action} ${c.name}`).join(", ")}`;
    const bound = credentials.map((c) => c.name);
    try {
      await ports.ci.listProjectVariables(slug);
      checks.push({ need, neededFor, status: "present", fix: "", credentials: bound });
    } catch (error) {
      checks.push({ need, neededFor, status: "missing", fix: circleciProjectGrant(slug), detail: observed(error).text, credentials: bound });
    }
  }
  return checks;
}

/** The checks that need the watchdog's identity: Graph permissions and app ownership, the vault, CircleCI. Reads only. */
export async function permissionChecks(ports: WatchdogPorts, identity: CallerIdentity, policy: Policy, options: DoctorOptions, ownership: AppOwnership[]): Promise<DoctorCheck[]> {
  const [vault, circleci] = await Promise.all([vaultChecks(ports, policy, options, identity), circleciChecks(ports, policy)]);
  const owners = ownership.flatMap((o) => ownershipCheck(o) ?? []);
  return [...graphChecks(identity, policy), ...owners, ...vault, ...circleci];
}

/** What stands in for every check that needs the identity when its token cannot be had. */
export function identityUnreadable(error: unknown, credentials: string[]): DoctorCheck {
  return {
    need: "a Microsoft Graph token for the watchdog's identity",
    neededFor: "everything in Entra",
    status: "missing",
    fix: "check the managed identity (or AZURE_CLIENT_ID / AZURE_FEDERATED_TOKEN_FILE) and AZURE_TENANT_ID",
    detail: observed(error).text,
    credentials,
  };
}

/**
 * `watchdog doctor`: for every permission and role the policy's actions need, whether the watchdog has it and
 * the exact grant that fixes it. Reads only: nothing is created, changed or removed anywhere.
 */
export async function runDoctor(ports: WatchdogPorts, policy: Policy, options: DoctorOptions = {}): Promise<DoctorReport> {
  let identity: CallerIdentity;
  try {
    identity = await ports.directory.callerIdentity();
  } catch (error) {
    return doctorReport([identityUnreadable(error, []), ...(await circleciChecks(ports, policy)), ...(await selfWatchChecks(ports, policy))]);
  }
  const [checks, tenant, self] = await Promise.all([
    readAppOwnership(ports, identity, policy).then((ownership) => permissionChecks(ports, identity, policy, options, ownership)),
    tenantPolicyChecks(ports, identity, policy, options.now ?? new Date()),
    selfWatchChecks(ports, policy),
  ]);
  return doctorReport([...checks, ...tenant, ...self]);
}
