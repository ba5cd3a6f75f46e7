import { appsOnlyWatched, appsToOwn } from "../../domain/doctor/index.js";
import type { Policy, PolicyCredential } from "../../domain/policy/index.js";
import type { CallerIdentity, Directory } from "../../ports/directory.js";
import { observed } from "../observed-error.js";

/** What became of one app. */
export type OwnershipOutcome =
  | { kind: "already-owner" }
  /** `confirmed`: a re-read of the owners lists the identity (Entra replicates writes: it may lag a moment). */
  | { kind: "added"; confirmed: boolean }
  | { kind: "would-add" }
  /** Bound only by action: watch: read, never changed, so not owned (least privilege). */
  | { kind: "not-needed" }
  | { kind: "failed"; step: "find" | "read-owners" | "add"; status?: number; code?: string; reason: string };

export interface OwnershipLine {
  appId: string;
  displayName?: string;
  /** The policy credentials that bind the app. */
  credentials: string[];
  outcome: OwnershipOutcome;
}

export interface OwnershipReport {
  /** The watchdog's service principal made owner. */
  principalId: string;
  /** Who ran it, as Graph sees the token (object id; null when the token does not say). */
  caller: { principalId: string | null };
  dryRun: boolean;
  apps: OwnershipLine[];
  /** Every app the watchdog changes has it among its owners (or would, in a dry run). */
  ok: boolean;
}

export interface GrantOwnershipOptions {
  principalId: string;
  dryRun: boolean;
}

/** The administrator's credential gave no Graph token: neither the AZURE_* client secret nor an Azure CLI sign-in. */
export class AdministratorSignInError extends Error {
  constructor(cause: string) {
    super(
      `no administrator sign-in for Microsoft Graph (${cause}): set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID ` +
        `(an app registration granted Application.ReadWrite.All and Directory.Read.All), or sign in with az login ` +
        `(Cloud Application Administrator or Application Administrator)`,
    );
    this.name = "AdministratorSignInError";
  }
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Our words for a refused add, by status and Graph's error code: never Graph's message. */
function whyAddFailed(status: number | undefined, principalId: string, appId: string): string {
  if (status === 403) {
    return (
      "the signed-in administrator may not add owners to this app: it takes Application.ReadWrite.All with Directory.Read.All " +
      "(an application), or the Cloud Application Administrator or Application Administrator role, or owning the app (a user); " +
      `the fallback: az ad app owner add --id ${appId} --owner-object-id ${principalId}`
    );
  }
  if (status === 404) return `Graph knows no directory object ${principalId}: give the service principal's object id (not its client id)`;
  return "Graph refused to add the owner";
}

async function ensureOwner(directory: Directory, appId: string, credentials: PolicyCredential[], options: GrantOwnershipOptions): Promise<OwnershipLine> {
  const line = { appId, credentials: credentials.map((c) => c.name) };
  const failed = (step: "find" | "read-owners" | "add", error: unknown, reason: string): OwnershipLine => {
    const seen = observed(error);
    return { ...line, outcome: { kind: "failed", step, ...(seen.status !== undefined ? { status: seen.status } : {}), ...(seen.code ? { code: seen.code } : {}), reason } };
  };
  let app;
  try {
    app = await directory.getApplication(appId);
  } catch (error) {
    return failed("find", error, "could not read the app registration");
  }
  if (!app) return { ...line, outcome: { kind: "failed", step: "find", reason: "no app registration with this appId is visible: check entra.appId in the policy" } };
  const named = { ...line, displayName: app.displayName };
  const isOwner = async () => (await directory.listOwners(app.objectId)).some((o) => sameId(o, options.principalId));
  try {
    if (await isOwner()) return { ...named, outcome: { kind: "already-owner" } };
  } catch (error) {
    return { ...failed("read-owners", error, "could not read the app's owners"), displayName: app.displayName };
  }
  if (options.dryRun) return { ...named, outcome: { kind: "would-add" } };
  try {
    await directory.addOwner(app.objectId, options.principalId);
  } catch (error) {
    return { ...failed("add", error, whyAddFailed(observed(error).status, options.principalId, appId)), displayName: app.displayName };
  }
  // Graph said yes; the re-read says whether reads show it yet (doctor reads the same list).
  const confirmed = await isOwner().catch(() => false);
  return { ...named, outcome: { kind: "added", confirmed } };
}

/**
 * `watchdog grant-ownership`, run by an administrator with their own sign-in: makes the watchdog's service principal
 * an owner of every app registration the policy has it change, where it is not one yet. Idempotent; a dry run reads only.
 */
export async function grantOwnership(directory: Directory, policy: Policy, options: GrantOwnershipOptions): Promise<OwnershipReport> {
  let caller: CallerIdentity;
  try {
    caller = await directory.callerIdentity();
  } catch (error) {
    throw new AdministratorSignInError(observed(error).text);
  }
  // As the policy spells the client id (the maps key it in lower case).
  const appIdOf = (credentials: PolicyCredential[]) => credentials[0]!.entra!.appId;
  const owned = await Promise.all([...appsToOwn(policy.credentials).values()].map((credentials) => ensureOwner(directory, appIdOf(credentials), credentials, options)));
  const watched: OwnershipLine[] = [...appsOnlyWatched(policy.credentials).values()].map((credentials) => ({
    appId: appIdOf(credentials),
    credentials: credentials.map((c) => c.name),
    outcome: { kind: "not-needed" },
  }));
  return {
    principalId: options.principalId,
    caller: { principalId: caller.principalId },
    dryRun: options.dryRun,
    apps: [...owned, ...watched],
    ok: owned.every((l) => l.outcome.kind !== "failed"),
  };
}
