import type { Client } from "@microsoft/microsoft-graph-client";
import { z } from "zod";
import { SecretValue } from "../../domain/secret-value.js";
import { AdaptiveLimiter } from "../pacing/index.js";
import type { AppPassword, EntraApp } from "../../domain/snapshot.js";
import { PasswordRefused, type CallerIdentity, type Directory, type FederatedCredential, type FederatedSignIns, type SignInEvidence } from "../../ports/directory.js";
import { readCallerIdentity } from "./caller-identity.js";
import { callGraph, type GraphCallSpec } from "./graph-call.js";
import { createGraphClient } from "./graph-client.js";
import { GraphError } from "./graph-error.js";
import type { AppPolicyEvidence } from "../../domain/app-policy/index.js";
import { toPolicyRead } from "./app-policy.js";
import {
  addedPasswordSchema,
  applicationCreatedSchema,
  applicationSchema,
  appManagementPolicySchema,
  tenantAppManagementPolicySchema,
  credentialSignInActivityAnswerSchema,
  credentialSignInActivitySchema,
  directoryObjectSchema,
  federatedCredentialSchema,
  pageSchema,
  signInSchema,
} from "./graph-schemas.js";
import { firstPerCredential } from "./federated-sign-ins.js";
import { toAppPassword, toEntraApp, toFederatedCredential } from "./map-application.js";
import { filterEq, segment } from "./odata.js";
import { latestSignIn } from "./sign-in-activity.js";
import { resolveGraphSettings, type GraphDirectorySettings, type ResolvedGraphDirectorySettings } from "./settings.js";

const applicationFields = ["id", "appId", "displayName", "tags", "passwordCredentials", "keyCredentials"];
// removePassword and DELETE answer 204 without a body.
const noBody = z.unknown();
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
/** The answers Graph gives a removal whose target may already be gone. */
const isRefusal = (error: unknown): error is GraphError => error instanceof GraphError && (error.status === 400 || error.status === 404);

/** The Directory port on Microsoft Graph (v1.0, and beta for sign-in activity) through the Graph SDK. */
export class GraphDirectory implements Directory {
  private readonly client: Client;
  private readonly limiter: AdaptiveLimiter;

  constructor(private readonly settings: ResolvedGraphDirectorySettings) {
    this.client = createGraphClient(settings);
    this.limiter = new AdaptiveLimiter({ maxConcurrency: settings.maxConcurrency, maxPauseMs: settings.retry.maxRetryAfterMs });
  }

  private call<T>(spec: GraphCallSpec<T>): Promise<T> {
    return callGraph(this.settings, this.limiter, spec);
  }

  /** Every page of a collection, following absolute @odata.nextLink only on the configured Graph host. */
  private async listAll<T extends z.ZodType>(operation: string, path: string, item: T, first: () => Promise<unknown>): Promise<z.infer<T>[]> {
    const result = await this.call({ operation, method: "GET", path, safety: "idempotent", send: first, schema: pageSchema(item) });
    return this.withLaterPages(operation, path, item, result);
  }

  /** The items of a first page read already, and of every page its @odata.nextLink leads to. */
  private async withLaterPages<T extends z.ZodType>(
    operation: string,
    path: string,
    item: T,
    firstPage: { value: z.infer<T>[]; "@odata.nextLink"?: string },
  ): Promise<z.infer<T>[]> {
    const schema = pageSchema(item);
    const all: z.infer<T>[] = [...firstPage.value];
    let result = firstPage;
    for (let page = 1; ; page++) {
      const next = result["@odata.nextLink"];
      if (!next) return all;
      if (!next.startsWith(`${this.settings.origin}/`)) {
        throw new GraphError({ operation, method: "GET", path, status: 200, code: "UnexpectedNextLink", detail: `@odata.nextLink leaves ${this.settings.origin}; not followed` });
      }
      if (page >= this.settings.maxPages) {
        throw new GraphError({ operation, method: "GET", path, status: 200, code: "TooManyPages", detail: `more than ${this.settings.maxPages} pages` });
      }
      result = await this.call({ operation, method: "GET", path, safety: "idempotent", send: () => this.client.api(next).get(), schema });
      all.push(...result.value);
    }
  }

  async listApplications(): Promise<EntraApp[]> {
    const apps = await this.listAll("listApplications", "/applications", applicationSchema, () =>
      this.client.api("/applications").select(applicationFields).top(999).get(),
    );
    return apps.map(toEntraApp);
  }

  async getApplication(appId: string): Promise<EntraApp | null> {
    const path = "/applications";
    const page = await this.call({
      operation: "getApplication",
      method: "GET",
      path,
      safety: "idempotent",
      send: () => this.client.api(path).filter(filterEq("appId", appId)).select(applicationFields).get(),
      schema: pageSchema(applicationSchema),
    });
    const app = page.value.find((a) => sameId(a.appId, appId));
    return app ? toEntraApp(app) : null;
  }

  async addPassword(appObjectId: string, request: { displayName: string; endDateTime: string }): Promise<{ password: AppPassword; secret: SecretValue }> {
    const path = `/applications/${segment(appObjectId)}/addPassword`;
    let added: z.infer<typeof addedPasswordSchema>;
    try {
      added = await this.call({
        operation: "addPassword",
        method: "POST",
        path,
        safety: "not-idempotent",
        send: () => this.client.api(path).post({ passwordCredential: { displayName: request.displayName, endDateTime: request.endDateTime } }),
        schema: addedPasswordSchema,
      });
    } catch (error) {
      // The request names only a display name and an end date: a 400 is the tenant's app management policy
      // (lifetime beyond maxLifetime, passwords blocked). Graph documents no code for it: the status decides.
      if (error instanceof GraphError && error.status === 400) throw new PasswordRefused(error.status, error.code);
      throw error;
    }
    const { secretText, ...metadata } = added;
    return { password: toAppPassword(metadata), secret: new SecretValue(secretText) };
  }

  async removePassword(appObjectId: string, keyId: string): Promise<void> {
    const path = `/applications/${segment(appObjectId)}/removePassword`;
    try {
      await this.call({ operation: "removePassword", method: "POST", path, safety: "idempotent", send: () => this.client.api(path).post({ keyId }), schema: noBody });
    } catch (error) {
      // Graph does not document its answer for a key that is not there (a 404 Request_ResourceNotFound or a 400,
      // in words that change), and a retried removal that had in fact succeeded meets the same answer: the app
      // itself says whether the goal is reached. Never the message text.
      if (isRefusal(error) && !(await this.hasPassword(appObjectId, keyId))) return;
      throw error;
    }
  }

  /** Whether the app (by object id) still holds the password; an app that is gone holds none. */
  private async hasPassword(appObjectId: string, keyId: string): Promise<boolean> {
    const path = `/applications/${segment(appObjectId)}`;
    try {
      const app = await this.call({
        operation: "getApplication",
        method: "GET",
        path,
        safety: "idempotent",
        send: () => this.client.api(path).select(applicationFields).get(),
        schema: applicationSchema,
      });
      return (app.passwordCredentials ?? []).some((p) => sameId(p.keyId, keyId));
    } catch (error) {
      if (error instanceof GraphError && error.status === 404 && error.code === "Request_ResourceNotFound") return false;
      throw error;
    }
  }

  async callerIdentity(): Promise<CallerIdentity> {
    const token = await this.settings.credential.getToken(this.settings.scope);
    if (!token) throw new Error("Graph callerIdentity: the Azure credential gave no Microsoft Graph token");
    return readCallerIdentity(token.token);
  }

  async listOwners(appObjectId: string): Promise<string[]> {
    const path = `/applications/${segment(appObjectId)}/owners`;
    const owners = await this.listAll("listOwners", path, directoryObjectSchema, () => this.client.api(path).select(["id"]).get());
    return owners.map((o) => o.id);
  }

  async addOwner(appObjectId: string, objectId: string): Promise<void> {
    const path = `/applications/${segment(appObjectId)}/owners/$ref`;
    // The reference names the object on the Graph host this directory talks to (a national cloud has its own).
    const body = { "@odata.id": `${this.settings.origin}/v1.0/directoryObjects/${segment(objectId)}` };
    try {
      // Repeating it is safe: a duplicate is refused and settled below.
      await this.call({ operation: "addOwner", method: "POST", path, safety: "idempotent", send: () => this.client.api(path).post(body), schema: noBody });
    } catch (error) {
      // A reference already there is a 400 Request_BadRequest, the code Graph also gives a malformed reference:
      // the app's owners say which (never the message's words). A retried add whose first attempt landed meets it too.
      if (error instanceof GraphError && error.status === 400 && error.code === "Request_BadRequest" && (await this.listOwners(appObjectId)).some((o) => sameId(o, objectId))) return;
      throw error;
    }
  }

  async listFederatedCredentials(appObjectId: string): Promise<FederatedCredential[]> {
    const path = `/applications/${segment(appObjectId)}/federatedIdentityCredentials`;
    const list = await this.listAll("listFederatedCredentials", path, federatedCredentialSchema, () => this.client.api(path).get());
    return list.map(toFederatedCredential);
  }

  async createFederatedCredential(appObjectId: string, credential: Omit<FederatedCredential, "id">): Promise<FederatedCredential> {
    const path = `/applications/${segment(appObjectId)}/federatedIdentityCredentials`;
    const body = {
      name: credential.name,
      issuer: credential.issuer,
      subject: credential.subject,
      audiences: credential.audiences,
      ...(credential.description ? { description: credential.description } : {}),
    };
    try {
      const created = await this.call({
        operation: "createFederatedCredential",
        method: "POST",
        path,
        // Repeating it is safe: a duplicate is refused and resolved below.
        safety: "idempotent",
        send: () => this.client.api(path).post(body),
        schema: federatedCredentialSchema,
      });
      return toFederatedCredential(created);
    } catch (error) {
      // Graph refuses a duplicate (409 by name, 400 by issuer+subject; at the limit possibly 400 for that
      // first). If exactly this credential exists already — made earlier, or by a retried request — that is success.
      if (!(error instanceof GraphError) || (error.status !== 400 && error.status !== 409)) throw error;
      const existing = (await this.listFederatedCredentials(appObjectId)).find(
        (f) =>
          f.name === credential.name &&
          f.issuer === credential.issuer &&
          f.subject === credential.subject &&
          f.audiences.length === credential.audiences.length &&
          f.audiences.every((a, i) => a === credential.audiences[i]),
      );
      if (existing) return existing;
      throw error;
    }
  }

  async deleteFederatedCredential(appObjectId: string, credentialId: string): Promise<void> {
    const path = `/applications/${segment(appObjectId)}/federatedIdentityCredentials/${segment(credentialId)}`;
    try {
      await this.call({ operation: "deleteFederatedCredential", method: "DELETE", path, safety: "idempotent", send: () => this.client.api(path).delete(), schema: noBody });
    } catch (error) {
      // As for removePassword: a 400 or 404 is settled by the app's own list, never by the answer's words.
      if (isRefusal(error) && !(await this.hasFederatedCredential(appObjectId, credentialId))) return;
      throw error;
    }
  }

  /** Whether the app still holds the federated credential; an app that is gone holds none. */
  private async hasFederatedCredential(appObjectId: string, credentialId: string): Promise<boolean> {
    try {
      return (await this.listFederatedCredentials(appObjectId)).some((f) => sameId(f.id, credentialId));
    } catch (error) {
      if (error instanceof GraphError && error.status === 404 && error.code === "Request_ResourceNotFound") return false;
      throw error;
    }
  }

  /**
   * The tenant default app management policy, the policy assigned to the app and the app's creation date
   * (restrictions apply by it). Needs Policy.Read.All; any failure — 403, an answer that does not parse, no
   * answer — makes the evidence unreadable, never "no restrictions".
   */
  async readAppPolicy(appObjectId: string): Promise<AppPolicyEvidence> {
    const appPath = `/applications/${segment(appObjectId)}`;
    const assignedPath = `${appPath}/appManagementPolicies`;
    const tenantPath = "/policies/defaultAppManagementPolicy";
    try {
      const [tenant, assigned, app] = await Promise.all([
        this.call({ operation: "readTenantAppManagementPolicy", method: "GET", path: tenantPath, safety: "idempotent", send: () => this.client.api(tenantPath).get(), schema: tenantAppManagementPolicySchema }),
        this.listAll("listAppManagementPolicies", assignedPath, appManagementPolicySchema, () => this.client.api(assignedPath).get()),
        this.call({
          operation: "getApplication",
          method: "GET",
          path: appPath,
          safety: "idempotent",
          send: () => this.client.api(appPath).select(["id", "createdDateTime"]).get(),
          schema: applicationCreatedSchema,
        }),
      ]);
      return {
        readable: true,
        tenantDefault: toPolicyRead(tenant.id, tenant.isEnabled, tenant.applicationRestrictions),
        assigned: assigned.map((p) => toPolicyRead(p.id, p.isEnabled, p.restrictions)),
        appCreatedDateTime: app.createdDateTime ?? null,
      };
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      const answer = error.status === -1 ? "no answer" : `Graph answered ${error.status} ${error.code}`;
      return { readable: false, reason: `${error.operation}: ${answer}` };
    }
  }

  async lastSignIn(appId: string, keyId: string): Promise<SignInEvidence> {
    const path = "/reports/appCredentialSignInActivities";
    let answer: z.infer<typeof credentialSignInActivityAnswerSchema>;
    try {
      answer = await this.call({
        operation: "lastSignIn",
        method: "GET",
        path: `/beta${path}`,
        safety: "idempotent",
        send: () => this.client.api(path).version("beta").filter(filterEq("keyId", keyId)).get(),
        schema: credentialSignInActivityAnswerSchema,
      });
    } catch (error) {
      // No P1/P2 licence (403), no such report in this cloud (404), or a filter it cannot take (400): unknown, never "unused".
      if (error instanceof GraphError && [400, 403, 404].includes(error.status)) {
        return { available: false, reason: `sign-in activity is unavailable: Graph answered ${error.status} ${error.code}` };
      }
      throw error;
    }
    // A key has one activity per resource it signed in to: the latest may be on any page.
    if ("value" in answer) answer = { value: await this.withLaterPages("lastSignIn", `/beta${path}`, credentialSignInActivitySchema, answer) };
    return latestSignIn(answer, appId, keyId);
  }

  async firstFederatedSignIns(appId: string, since: string): Promise<FederatedSignIns> {
    if (Number.isNaN(Date.parse(since))) return { available: false, reason: "the migration's start time is not a timestamp" };
    const url = signInLogQuery(appId, since);
    try {
      const signIns = await this.listAll("federatedSignIns", "/beta/auditLogs/signIns", signInSchema, () => this.client.api(url).version("beta").get());
      return firstPerCredential(signIns, appId);
    } catch (error) {
      // No AuditLog.Read.All or no P1/P2 (403), or any other failure: unknown, said so — never "no sign-in yet".
      if (error instanceof GraphError) return { available: false, reason: `the sign-in log is unavailable: Graph answered ${error.status} ${error.code}` };
      return { available: false, reason: `the sign-in log could not be read (${error instanceof Error ? error.name : "error"})` };
    }
  }
}

/**
 * The sign-in log's service-principal sign-ins of one app since a moment (beta `GET /auditLogs/signIns`; v1.0's
 * signIn has neither `clientCredentialType` nor `federatedCredentialId`). Without the signInEventTypes filter the
 * log lists only interactive user sign-ins. Oldest first, every page read.
 */
function signInLogQuery(appId: string, since: string): string {
  const from = new Date(Math.floor(Date.parse(since) / 1_000) * 1_000).toISOString().replace(".000Z", "Z");
  const filter = `appId eq '${appId.replaceAll("'", "''")}' and signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge ${from}`;
  return `/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$orderby=${encodeURIComponent("createdDateTime asc")}&$top=1000`;
}

export function createGraphDirectory(settings: GraphDirectorySettings): GraphDirectory {
  return new GraphDirectory(resolveGraphSettings(settings));
}
