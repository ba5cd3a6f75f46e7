import { randomUUID, timingSafeEqual } from "node:crypto";
import type { EntraWorld } from "../world/spec.js";
import { defaultTenantPolicy, type ActorExemption, type AssignedAppManagementPolicy, type TenantAppManagementPolicy } from "./app-management-policy.js";
import { newSecretText } from "./secret-text.js";

export interface DirectoryPassword {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  /** The value: the authority checks grants against it; Graph reads never return it. */
  secretText: string;
  /** When it was added through Graph (ms since epoch); absent for seeded passwords. Drives the propagation delay. */
  addedAt?: number;
}

export interface DirectoryKeyCredential {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  type: string;
  usage: string;
}

export interface DirectoryFederatedCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
  /** When it was created through Graph (ms since epoch); absent for seeded ones. Drives the federated propagation delay. */
  addedAt?: number;
}

/**
 * One entry of the sign-in log (Graph beta `signIn`, service-principal sign-ins): how the app proved itself
 * (`clientCredentialType` clientSecret or federatedIdentityCredential) and with which credential. The beta
 * signIn resource documents `clientCredentialType` and `federatedCredentialId` ("the identifier of an
 * application's federated identity credential, if a federated identity credential was used to sign in") and
 * `servicePrincipalCredentialKeyId` (microsoft-graph-docs-contrib, api-reference/beta/resources/signin.md).
 * Failed attempts are logged too, with their AADSTS code in `status.errorCode` (0: success).
 */
export interface DirectoryServicePrincipalSignIn {
  id: string;
  createdDateTime: string;
  appId: string;
  clientCredentialType: "clientSecret" | "federatedIdentityCredential";
  /** The password's key id (client secret sign-ins). */
  servicePrincipalCredentialKeyId: string | null;
  /** The federated identity credential's id (federated sign-ins that matched one). */
  federatedCredentialId: string | null;
  /** 0 for a success, else the AADSTS code of the refusal. */
  errorCode?: number;
  /** The resource the token was asked for (`https://graph.microsoft.com`). */
  resourceId?: string | null;
}

export interface DirectoryApp {
  /** Object id: `/applications/{id}`. */
  id: string;
  /** Client id: `/applications(appId='{appId}')` and the `client_id` of token requests. */
  appId: string;
  displayName: string;
  tags: string[];
  passwordCredentials: DirectoryPassword[];
  keyCredentials: DirectoryKeyCredential[];
  federatedIdentityCredentials: DirectoryFederatedCredential[];
  /** Object ids of the owners (users or service principals); the managed identity's principal by default. */
  owners: string[];
  /** When the app was registered: app management restrictions apply to apps created on or after their date. */
  createdDateTime: string;
}

export interface DirectorySignIn {
  keyId: string;
  appId: string;
  lastSignInDateTime: string;
}

/**
 * How the sign-in activity report writes its answer. Graph's documentation shows both shapes and both
 * spellings (microsoft-graph-docs-contrib, api-reference/beta/api/appcredentialsigninactivity-get.md,
 * "Example 2: Get an appCredentialSignInActivity for a credential by keyId", answers one object for a
 * `$filter=keyId eq '…'` request, with `"lastSignInDateTime": "2021-04-01T00:00:00-8:00"`; the list call,
 * reportroot-list-appcredentialsigninactivities.md, answers a `value` collection), so tests run each.
 */
export interface SignInReportStyle {
  /** "utc": `2026-12-03T10:00:00.000Z`; "offset": the same instant at UTC-8 written as the docs do, `2026-12-03T02:00:00-8:00`. */
  timestamps: "utc" | "offset";
  /** "collection": `{ value: [...] }`; "object": the first matching activity alone. */
  shape: "collection" | "object";
  /**
   * How long after a sign-in the report shows it (directory clock ms; 0: at once). Until then it shows the
   * sign-in before (or nothing). Microsoft documents activity reports as arriving late ("Microsoft Entra activity
   * log latencies", https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-latencies):
   * the product's WATCHDOG_SIGNIN_REPORTING_LAG_HOURS is its answer.
   */
  delayMs?: number;
  /**
   * Largest page of the collection answer (default: the emulator's `maxPageSize`): the report has one activity per
   * credential per resource it signed in to, and a key that reached several resources spans pages, continued
   * through `@odata.nextLink` (https://learn.microsoft.com/en-us/graph/paging).
   */
  pageSize?: number;
}

/** One sign-in with a password, as the activity report aggregates them (per key and resource). */
export interface RecordedSignIn {
  at: string;
  /** The resource the token was for (`https://graph.microsoft.com`), null when unknown (seeded). */
  resourceId: string | null;
}

export interface ManagedIdentity {
  clientId: string;
  principalId: string;
  /** What `X-IDENTITY-HEADER` must carry; tests may change it to make the environment's header wrong. */
  identityHeader: string;
  /** Graph application permissions granted to it (app role assignments), by default all the watchdog can use. */
  roles: string[];
  /** Custom security attributes of its service principal (an app management restriction's excludeActors may name one). */
  customSecurityAttributes: ActorExemption[];
}

/** The tenant's app management policies; tests change them at any time. */
export interface AppManagementState {
  tenantDefault: TenantAppManagementPolicy;
  policies: AssignedAppManagementPolicy[];
}

const defaultCreatedDateTime = "2020-01-01T00:00:00Z";

/** Every Graph application permission the watchdog can use: the default grant of a sandbox tenant. */
export const allWatchdogGraphRoles = ["Application.ReadWrite.OwnedBy", "AuditLog.Read.All", "Policy.Read.All"];

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function cloneApp(app: DirectoryApp): DirectoryApp {
  return {
    ...app,
    tags: [...app.tags],
    passwordCredentials: app.passwordCredentials.map((p) => ({ ...p })),
    keyCredentials: app.keyCredentials.map((k) => ({ ...k })),
    federatedIdentityCredentials: app.federatedIdentityCredentials.map((f) => ({ ...f, audiences: [...f.audiences] })),
    owners: [...app.owners],
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * One Entra tenant in memory, shared by the Entra emulator (tokens, client-secret grants) and the Graph
 * emulator (applications, passwords, federated credentials, sign-in activity). Tests read and change it
 * directly to set up or check the world.
 */
export class DirectoryState {
  readonly tenantId: string;
  readonly managedIdentity: ManagedIdentity;
  readonly applications: DirectoryApp[];
  /** Last sign-in per credential key id. */
  readonly signIns = new Map<string, DirectorySignIn>();
  /** Every sign-in through the token endpoint per key id (lower case), oldest first: what the delayed report draws on. */
  readonly signInHistory = new Map<string, RecordedSignIn[]>();
  /** The service-principal sign-in log, oldest first. */
  readonly servicePrincipalSignIns: DirectoryServicePrincipalSignIn[] = [];
  /**
   * How long after a sign-in `GET /auditLogs/signIns` lists it (directory clock ms; 0: at once). Sign-in logs
   * arrive late ("Microsoft Entra activity log latencies",
   * https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-latencies).
   */
  signInLogDelayMs = 0;
  /** Largest page of `GET /auditLogs/signIns` (default 1,000, Graph's own); tests make it small to exercise paging. */
  signInLogPageSize: number | undefined = undefined;
  /** false: the tenant has no P1/P2 licence and the sign-in activity report answers 403. */
  signInReportsAvailable: boolean;
  /** How the sign-in report answers; tests switch it. */
  signInReport: SignInReportStyle = { timestamps: "utc", shape: "collection" };
  /** Passwords removed through Graph, newest last: token replicas that lag behind may still accept them. */
  readonly removedPasswords: Array<{ appId: string; password: DirectoryPassword; removedAt: number }> = [];
  /**
   * Reads of an app within this many ms of a write to it see the app as it was before the write (0: off).
   * Entra is eventually consistent: "a successful write does not guarantee that an immediate read will reflect
   * that change" (Microsoft Entra blog, "Designing for Eventual Consistency for Microsoft Entra", 2026-03-24,
   * https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
   */
  staleReadMs = 0;
  private readonly staleViews = new Map<string, { view: DirectoryApp; until: number }>();
  /** The directory's clock for credential validity and new credentials' dates; tests may move it. */
  now: () => Date;
  /** The tenant default and per-app app management policies (enforced on addPassword). */
  readonly appManagement: AppManagementState;

  constructor(world: EntraWorld, now: () => Date = () => new Date()) {
    this.tenantId = world.tenantId;
    this.managedIdentity = {
      ...world.managedIdentity,
      roles: [...(world.managedIdentity.roles ?? allWatchdogGraphRoles)],
      customSecurityAttributes: [...(world.managedIdentity.customSecurityAttributes ?? [])],
    };
    this.appManagement = {
      tenantDefault: structuredClone(world.appManagementPolicies?.tenantDefault ?? defaultTenantPolicy()),
      policies: structuredClone(world.appManagementPolicies?.policies ?? []),
    };
    this.applications = world.applications.map((app) => ({
      id: app.id,
      appId: app.appId,
      displayName: app.displayName,
      tags: [...(app.tags ?? [])],
      passwordCredentials: app.passwordCredentials.map((p) => ({ ...p })),
      keyCredentials: app.keyCredentials.map((k) => ({ ...k })),
      federatedIdentityCredentials: (app.federatedIdentityCredentials ?? []).map((f) => ({
        ...f,
        audiences: [...f.audiences],
        description: f.description ?? null,
      })),
      owners: [...(app.owners ?? [world.managedIdentity.principalId])],
      createdDateTime: app.createdDateTime ?? defaultCreatedDateTime,
    }));
    for (const signIn of world.signIns) this.signIns.set(signIn.keyId.toLowerCase(), { ...signIn });
    this.signInReportsAvailable = world.signInReportsAvailable;
    this.now = now;
  }

  /** When each role was granted to the managed identity (absent: from the start). */
  private readonly grantedAt = new Map<string, number>();
  /** A role granted through `grantRole` takes effect only this long after the grant (app role assignments replicate; tokens are cached). */
  roleAssignmentDelayMs = 0;

  /** Grants a Graph application permission to the managed identity, effective after `roleAssignmentDelayMs`. */
  grantRole(role: string): void {
    if (!this.managedIdentity.roles.includes(role)) this.managedIdentity.roles.push(role);
    this.grantedAt.set(role, this.now().getTime());
  }

  revokeRole(role: string): void {
    const index = this.managedIdentity.roles.indexOf(role);
    if (index >= 0) this.managedIdentity.roles.splice(index, 1);
  }

  /**
   * Service principals of app registrations of this tenant that hold Graph application permissions of their own
   * (by client id, lower case): an administrator's automation signing in with a client secret
   * (EnvironmentCredential), as `watchdog grant-ownership` is run. Their tokens carry `oid` and `roles`.
   */
  private readonly appRoleGrants = new Map<string, { principalId: string; roles: string[] }>();

  /** Gives the app's service principal exactly these Graph application permissions (admin consent); its object id. */
  grantAppRoles(app: DirectoryApp, roles: string[]): { principalId: string } {
    const current = this.appRoleGrants.get(app.appId.toLowerCase());
    const principalId = current?.principalId ?? randomUUID();
    this.appRoleGrants.set(app.appId.toLowerCase(), { principalId, roles: [...roles] });
    return { principalId };
  }

  /** Whether the caller is one whose permissions the directory tracks (the managed identity, or an app given roles). */
  hasTrackedRoles(appId: string): boolean {
    return appId.toLowerCase() === this.managedIdentity.clientId.toLowerCase() || this.appRoleGrants.has(appId.toLowerCase());
  }

  /** The roles a caller's token carries: the managed identity's effective grants, an app's own grants; any other caller (wire tests) every role. */
  effectiveRoles(appId: string): Set<string> {
    const granted = this.appRoleGrants.get(appId.toLowerCase());
    if (granted) return new Set(granted.roles);
    if (appId.toLowerCase() !== this.managedIdentity.clientId.toLowerCase()) return new Set([...allWatchdogGraphRoles, "Application.ReadWrite.All"]);
    const at = this.now().getTime();
    return new Set(this.managedIdentity.roles.filter((role) => at - (this.grantedAt.get(role) ?? -Infinity) >= this.roleAssignmentDelayMs));
  }

  /** The service principal object id of a caller, when the directory knows it. */
  principalOf(appId: string): string | undefined {
    if (appId.toLowerCase() === this.managedIdentity.clientId.toLowerCase()) return this.managedIdentity.principalId;
    return this.appRoleGrants.get(appId.toLowerCase())?.principalId;
  }

  /** Whether a directory object (user or service principal) with this object id exists: the identities the tenant knows and every owner. */
  directoryObjectExists(id: string): boolean {
    if (sameId(id, this.managedIdentity.principalId)) return true;
    if ([...this.appRoleGrants.values()].some((g) => sameId(g.principalId, id))) return true;
    return this.applications.some((app) => app.owners.some((o) => sameId(o, id)));
  }

  /** Adds an owner reference; "exists" when the object already is one (Graph refuses the duplicate). */
  addOwner(app: DirectoryApp, objectId: string): "added" | "exists" {
    if (app.owners.some((o) => sameId(o, objectId))) return "exists";
    this.beforeWrite(app);
    app.owners.push(objectId);
    return "added";
  }

  /** The per-app policy assigned to the app (only one can be), if any. */
  assignedPolicy(app: DirectoryApp): AssignedAppManagementPolicy | undefined {
    return this.appManagement.policies.find((p) => p.appliesTo.some((id) => sameId(id, app.id)));
  }

  appById(id: string): DirectoryApp | undefined {
    return this.applications.find((app) => sameId(app.id, id));
  }

  appByAppId(appId: string): DirectoryApp | undefined {
    return this.applications.find((app) => sameId(app.appId, appId));
  }

  /** Adds an app registration; ids are generated unless given. */
  addApplication(input: Partial<Omit<DirectoryApp, "displayName">> & { displayName: string }): DirectoryApp {
    const app: DirectoryApp = {
      id: input.id ?? randomUUID(),
      appId: input.appId ?? randomUUID(),
      displayName: input.displayName,
      tags: input.tags ?? [],
      passwordCredentials: input.passwordCredentials ?? [],
      keyCredentials: input.keyCredentials ?? [],
      federatedIdentityCredentials: input.federatedIdentityCredentials ?? [],
      owners: input.owners ?? [this.managedIdentity.principalId],
      createdDateTime: input.createdDateTime ?? this.now().toISOString(),
    };
    this.applications.push(app);
    return app;
  }

  /** Call before changing an app: reads within `staleReadMs` keep seeing it as it is now (the oldest view of a burst of writes). */
  beforeWrite(app: DirectoryApp): void {
    if (this.staleReadMs <= 0) return;
    const at = this.now().getTime();
    const current = this.staleViews.get(app.id);
    const view = current && current.until > at ? current.view : cloneApp(app);
    this.staleViews.set(app.id, { view, until: at + this.staleReadMs });
  }

  /** Ends every stale-read window now, as if replication had caught up (tests that cannot rely on timing). */
  catchUpReads(): void {
    this.staleViews.clear();
  }

  /** The app as a read sees it: the view from before a recent write while the stale-read window lasts. */
  readView(app: DirectoryApp): DirectoryApp {
    const stale = this.staleViews.get(app.id);
    return stale && stale.until > this.now().getTime() ? stale.view : app;
  }

  /** Mints a password as Graph's addPassword does: new key id, new value, start now. */
  addPassword(app: DirectoryApp, request: { displayName: string | null; startDateTime?: string; endDateTime: string }): DirectoryPassword {
    const now = this.now();
    const password: DirectoryPassword = {
      keyId: randomUUID(),
      displayName: request.displayName,
      startDateTime: request.startDateTime ?? now.toISOString(),
      endDateTime: request.endDateTime,
      secretText: newSecretText(),
      addedAt: now.getTime(),
    };
    this.beforeWrite(app);
    app.passwordCredentials.push(password);
    return password;
  }

  /** false when the app has no such key. */
  removePassword(app: DirectoryApp, keyId: string): boolean {
    const index = app.passwordCredentials.findIndex((p) => sameId(p.keyId, keyId));
    if (index < 0) return false;
    this.beforeWrite(app);
    const [removed] = app.passwordCredentials.splice(index, 1);
    this.removedPasswords.push({ appId: app.appId, password: removed!, removedAt: this.now().getTime() });
    return true;
  }

  /** The app's password whose value is `secretText`, whatever its dates. */
  passwordWithValue(app: DirectoryApp, secretText: string): DirectoryPassword | undefined {
    return app.passwordCredentials.find((p) => sameSecret(p.secretText, secretText));
  }

  /** Removed passwords of the app whose value is `secretText`, newest first. */
  removedWithValue(app: DirectoryApp, secretText: string): Array<{ appId: string; password: DirectoryPassword; removedAt: number }> {
    return this.removedPasswords.filter((r) => sameId(r.appId, app.appId) && sameSecret(r.password.secretText, secretText)).reverse();
  }

  /** Every password value in the tenant: tests use them as canaries that must never show up in output. */
  allSecretValues(): string[] {
    return this.applications.flatMap((app) => app.passwordCredentials.map((p) => p.secretText));
  }

  recordSignIn(appId: string, keyId: string, at: Date, resourceId: string | null = null): void {
    const key = keyId.toLowerCase();
    this.signIns.set(key, { keyId, appId, lastSignInDateTime: at.toISOString() });
    this.signInHistory.set(key, [...(this.signInHistory.get(key) ?? []), { at: at.toISOString(), resourceId }]);
  }

  /**
   * What the activity report shows for a key: the latest sign-in per resource among those older than the
   * report's delay. A sign-in set directly (seeded, or a test's odd timestamp) stands alone, shown as it is.
   */
  reportedSignIns(keyId: string): RecordedSignIn[] {
    const key = keyId.toLowerCase();
    const latest = this.signIns.get(key);
    const history = this.signInHistory.get(key) ?? [];
    const all = history.length > 0 && history.at(-1)!.at === latest?.lastSignInDateTime ? history : latest ? [{ at: latest.lastSignInDateTime, resourceId: null }] : [];
    const delayMs = this.signInReport.delayMs ?? 0;
    const cutoff = this.now().getTime() - delayMs;
    const visible = delayMs > 0 ? all.filter((s) => Date.parse(s.at) <= cutoff) : all;
    const byResource = new Map<string | null, RecordedSignIn>();
    for (const signIn of visible) byResource.set(signIn.resourceId, signIn);
    return [...byResource.values()];
  }

  /** A successful token request, as the sign-in log records it. */
  logServicePrincipalSignIn(entry: Omit<DirectoryServicePrincipalSignIn, "id" | "createdDateTime">, at: Date): void {
    this.servicePrincipalSignIns.push({ id: randomUUID(), createdDateTime: at.toISOString(), ...entry });
  }

  signInFor(keyId: string): DirectorySignIn | undefined {
    return this.signIns.get(keyId.toLowerCase());
  }
}
