import {
  circleciContextGrant,
  circleciProjectGrant,
  doctorReport,
  graphRoleGrant,
  keyVaultGrant,
  ownerGrant,
  type DoctorCheck,
  type DoctorReport,
} from "../../domain/doctor/index.js";
import type { Policy, PolicyCredential } from "../../domain/policy/index.js";
import type { CallerIdentity } from "../../ports/directory.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { selfWatchChecks } from "./self-watch-checks.js";

export interface DoctorOptions {
  /** KEY_VAULT_URL, named in the Key Vault grant. */
  vaultUrl?: string;
}

/** Status and service error code of a failed call, never its message (it may echo a request). */
function observed(error: unknown): { status?: number; code?: string; text: string } {
  const fields = (error ?? {}) as { status?: unknown; code?: unknown; name?: unknown };
  const status = typeof fields.status === "number" ? fields.status : undefined;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const name = typeof fields.name === "string" ? fields.name : "Error";
  return { status, code, text: [status, code ?? name].filter((v) => v !== undefined).join(" ") };
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

/** One line per bound app the watchdog changes: is its service principal among the app's owners (OwnedBy needs it)? */
async function ownershipChecks(ports: WatchdogPorts, identity: CallerIdentity, policy: Policy): Promise<DoctorCheck[]> {
  if (identity.roles.includes("Application.ReadWrite.All")) return [];
  const byApp = new Map<string, PolicyCredential[]>();
  for (const c of policy.credentials) if ((c.action === "rotate" || c.action === "oidc") && c.entra) byApp.set(c.entra.appId, [...(byApp.get(c.entra.appId) ?? []), c]);
  const checks: DoctorCheck[] = [];
  for (const [appId, credentials] of byApp) {
    const need = `owner of app ${appId}`;
    const neededFor = `rotate / federate: ${names(credentials)} (Application.ReadWrite.OwnedBy changes only owned apps)`;
    try {
      const app = await ports.directory.getApplication(appId);
      if (!app) {
        checks.push({ need, neededFor, status: "missing", fix: `no app registration with appId ${appId} is visible: check entra.appId in the policy`, detail: "not found" });
        continue;
      }
      const owners = await ports.directory.listOwners(app.objectId);
      const owner = identity.principalId !== null && owners.some((o) => o.toLowerCase() === identity.principalId!.toLowerCase());
      checks.push({ need, neededFor, status: owner ? "present" : "missing", fix: owner ? "" : ownerGrant(appId, identity.principalId) });
    } catch (error) {
      checks.push({ need, neededFor, status: "missing", fix: ownerGrant(appId, identity.principalId), detail: `could not read the app's owners: ${observed(error).text}` });
    }
  }
  return checks;
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
  if (!ports.vault) return [{ need: "Key Vault (KEY_VAULT_URL)", neededFor: `rotate: ${names(rotating)}`, status: "missing", fix: "set KEY_VAULT_URL to the vault that holds rotated secrets" }];
  const checks: DoctorCheck[] = [];
  for (const credential of rotating) {
    const name = credential.keyVault.secretName;
    const need = `Key Vault Secrets Officer on ${vaultUrl} (secret ${name})`;
    const neededFor = `rotate ${credential.name}: store each new value, read it back, disable old versions`;
    try {
      await ports.vault.listVersions(name);
      checks.push({ need, neededFor, status: "unverified", fix: `reading works; writing cannot be checked without a write: make sure of the role — ${fix}` });
    } catch (error) {
      const seen = observed(error);
      // Key Vault cannot tell a missing role from one assigned minutes ago that has not reached it yet.
      const fixText = seen.status === 403 ? `${fix} (a role assigned in the last 10 minutes may still be propagating: run doctor again)` : fix;
      checks.push({ need, neededFor, status: "missing", fix: fixText, detail: seen.text });
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
      return [{ need: "CircleCI: list the organization's contexts", neededFor: "every context binding", status: "missing", fix: "check CIRCLECI_TOKEN and CIRCLECI_ORG_ID (the token's user must belong to the organization)", detail: observed(error).text }];
    }
    for (const [name, credentials] of contexts) {
      const need = `CircleCI context ${name}`;
      const neededFor = `${credentials.map((c) => `${c.action} ${c.name}`).join(", ")}`;
      const context = known.find((k) => k.name === name);
      if (!context) {
        checks.push({ need, neededFor, status: "missing", fix: `create context ${name}, or ${circleciContextGrant(name)}`, detail: "not among the contexts the token can see" });
        continue;
      }
      try {
        await ports.ci.listContextVariables(context);
        checks.push({ need, neededFor, status: "present", fix: "" });
      } catch (error) {
        checks.push({ need, neededFor, status: "missing", fix: circleciContextGrant(name), detail: observed(error).text });
      }
    }
  }
  for (const [slug, credentials] of projects) {
    const need = `CircleCI project ${slug}`;
    const neededFor = `${credentials.map((c) => `${c.action} ${c.name}`).join(", ")}`;
    try {
      await ports.ci.listProjectVariables(slug);
      checks.push({ need, neededFor, status: "present", fix: "" });
    } catch (error) {
      checks.push({ need, neededFor, status: "missing", fix: circleciProjectGrant(slug), detail: observed(error).text });
    }
  }
  return checks;
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
    const check: DoctorCheck = { need: "a Microsoft Graph token for the watchdog's identity", neededFor: "everything in Entra", status: "missing", fix: "check the managed identity (or AZURE_CLIENT_ID / AZURE_FEDERATED_TOKEN_FILE) and AZURE_TENANT_ID", detail: observed(error).text };
    return doctorReport([check, ...(await circleciChecks(ports, policy)), ...(await selfWatchChecks(ports, policy))]);
  }
  const graph = graphChecks(identity, policy);
  const [owners, vault, circleci, self] = await Promise.all([
    ownershipChecks(ports, identity, policy),
    vaultChecks(ports, policy, options, identity),
    circleciChecks(ports, policy),
    selfWatchChecks(ports, policy),
  ]);
  return doctorReport([...graph, ...owners, ...vault, ...circleci, ...self]);
}
