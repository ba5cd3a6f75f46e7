import { SecretValue } from "../../domain/secret-value.js";
import type { CiContext, CiVariable, ContextRestriction } from "../../domain/snapshot.js";
import type { CiSecretStore, CiWriteReceipt } from "../../ports/ci-secret-store.js";
import { CircleCiError } from "./circleci-error.js";
import { privateBaseOf, projectSlug, v1BaseOf } from "./followed-projects.js";
import { CircleCiHttp } from "./http-client.js";
import { resolveCircleCiSettings, type CircleCiStoreSettings, type ResolvedCircleCiSettings } from "./settings.js";
import {
  contextRestrictionSchema,
  contextSchema,
  contextVariablePutSchema,
  contextVariableSchema,
  followedProjectsSchema,
  claimResponseSchema,
  maskedProjectVariableSchema,
  messageSchema,
  organizationProjectSchema,
  pageOf,
  projectIdSchema,
  projectVariableSchema,
} from "./wire-schemas.js";

const seg = encodeURIComponent;
/** Slugs keep their slashes on the wire (gh/acme/api); each part is encoded on its own. */
const slugPath = (slug: string) => slug.split("/").map(seg).join("/");

/** CircleCI contexts and project variables through API v2 (and v1.1 for followed projects). */
export class CircleCiStore implements CiSecretStore {
  private readonly http: CircleCiHttp;

  constructor(private readonly settings: ResolvedCircleCiSettings) {
    this.http = new CircleCiHttp(settings);
  }

  async listContexts(): Promise<CiContext[]> {
    const contexts = await this.http.allPages({
      operation: "listContexts",
      base: this.settings.apiUrl,
      path: "/context",
      query: { "owner-id": this.settings.orgId, "owner-type": "organization" },
      schema: pageOf(contextSchema),
    });
    return contexts.map((c) => ({ id: c.id, name: c.name, createdAt: c.created_at }));
  }

  async listContextVariables(context: CiContext): Promise<CiVariable[]> {
    const variables = await this.http.allPages({
      operation: "listContextVariables",
      base: this.settings.apiUrl,
      path: `/context/${seg(context.id)}/environment-variable`,
      schema: pageOf(contextVariableSchema),
    });
    return variables.map((v) => ({
      scope: { kind: "context", contextId: context.id, contextName: context.name },
      name: v.variable,
      createdAt: v.created_at,
      updatedAt: v.updated_at,
    }));
  }

  async listContextRestrictions(context: CiContext): Promise<ContextRestriction[]> {
    const restrictions = await this.http.allPages({
      operation: "listContextRestrictions",
      base: this.settings.apiUrl,
      path: `/context/${seg(context.id)}/restrictions`,
      schema: pageOf(contextRestrictionSchema),
    });
    return restrictions.map((r) => ({ id: r.id, type: r.restriction_type, value: r.restriction_value, ...(r.name ? { name: r.name } : {}) }));
  }

  async listProjectVariables(slug: string): Promise<CiVariable[]> {
    const variables = await this.http.allPages({
      operation: "listProjectVariables",
      base: this.settings.apiUrl,
      path: `/project/${slugPath(slug)}/envvar`,
      schema: pageOf(projectVariableSchema),
    });
    return variables.map((v) => ({
      scope: { kind: "project", projectSlug: slug },
      name: v.name,
      ...(v.createdAt ? { createdAt: v.createdAt } : {}),
    }));
  }

  async listFollowedProjects(): Promise<string[]> {
    const base = v1BaseOf(this.settings.apiUrl);
    if (!base) {
      throw new CircleCiError({
        operation: "listFollowedProjects",
        method: "GET",
        path: "/projects",
        problem: `cannot derive the API v1.1 base: CIRCLECI_API_URL must end with /api/v2 (it is ${this.settings.apiUrl})`,
      });
    }
    const projects = await this.http.call({
      operation: "listFollowedProjects",
      method: "GET",
      base,
      path: "/projects",
      schema: followedProjectsSchema,
    });
    return [...new Set(projects.map(projectSlug))];
  }

  async listOrganizationProjects(): Promise<Array<{ slug: string; deleted: boolean }>> {
    const base = privateBaseOf(this.settings.apiUrl);
    if (!base) {
      throw new CircleCiError({
        operation: "listOrganizationProjects",
        method: "GET",
        path: "/project",
        problem: `cannot derive the private API base: CIRCLECI_API_URL must end with /api/v2 (it is ${this.settings.apiUrl})`,
      });
    }
    // Asked exactly as CircleCI-Env-Inspector asks (its `_getRepos`), the one public caller of this endpoint.
    const projects = await this.http.allPages({
      operation: "listOrganizationProjects",
      base,
      path: "/project",
      query: { "organization-id": this.settings.orgId, "include-deleted": "true" },
      schema: pageOf(organizationProjectSchema),
      // Env-Inspector PR #44: the endpoint has paged in a loop for some organizations.
      identity: (project) => project.slug,
    });
    return projects.map((p) => ({ slug: p.slug, deleted: Boolean(p.deleted_at) || p.deleted === true || p.is_deleted === true }));
  }

  async setContextVariable(contextId: string, name: string, value: SecretValue): Promise<CiWriteReceipt> {
    const answer = await this.http.call({
      operation: "setContextVariable",
      method: "PUT",
      base: this.settings.apiUrl,
      path: `/context/${seg(contextId)}/environment-variable/${seg(name)}`,
      body: { value: value.reveal() },
      secrets: [value.reveal()],
      schema: contextVariablePutSchema,
    });
    return "updated_at" in answer ? { updatedAt: answer.updated_at } : {};
  }

  async deleteContextVariable(contextId: string, name: string): Promise<void> {
    await this.alreadyGoneIsFine(
      this.http.call({
        operation: "deleteContextVariable",
        method: "DELETE",
        base: this.settings.apiUrl,
        path: `/context/${seg(contextId)}/environment-variable/${seg(name)}`,
        schema: messageSchema,
      }),
    );
  }

  async setProjectVariable(slug: string, name: string, value: SecretValue): Promise<void> {
    await this.http.call({
      operation: "setProjectVariable",
      method: "POST",
      base: this.settings.apiUrl,
      path: `/project/${slugPath(slug)}/envvar`,
      body: { name, value: value.reveal() },
      secrets: [value.reveal()],
      schema: projectVariableSchema,
    });
  }

  async readProjectVariableMask(slug: string, name: string): Promise<SecretValue | null> {
    try {
      const variable = await this.http.call({
        operation: "readProjectVariable",
        method: "GET",
        base: this.settings.apiUrl,
        path: `/project/${slugPath(slug)}/envvar/${seg(name)}`,
        schema: maskedProjectVariableSchema,
      });
      return new SecretValue(variable.value);
    } catch (error) {
      if (error instanceof CircleCiError && error.status === 404) return null;
      throw error;
    }
  }

  async deleteProjectVariable(slug: string, name: string): Promise<void> {
    await this.alreadyGoneIsFine(
      this.http.call({
        operation: "deleteProjectVariable",
        method: "DELETE",
        base: this.settings.apiUrl,
        path: `/project/${slugPath(slug)}/envvar/${seg(name)}`,
        schema: messageSchema,
      }),
    );
  }

  async getProjectOidcAudience(projectId: string): Promise<string[] | null> {
    const claims = await this.http.call({ operation: "getProjectOidcClaims", method: "GET", base: this.settings.apiUrl, path: this.claimsPath(projectId), schema: claimResponseSchema });
    return claims.audience && claims.audience.length > 0 ? claims.audience : null;
  }

  async setProjectOidcAudience(projectId: string, audience: string[]): Promise<void> {
    await this.http.call({ operation: "setProjectOidcClaims", method: "PATCH", base: this.settings.apiUrl, path: this.claimsPath(projectId), body: { audience }, schema: claimResponseSchema });
  }

  async deleteProjectOidcAudience(projectId: string): Promise<void> {
    await this.http.call({
      operation: "deleteProjectOidcClaims",
      method: "DELETE",
      base: this.settings.apiUrl,
      path: this.claimsPath(projectId),
      query: { claims: "audience" },
      schema: claimResponseSchema,
    });
  }

  async getProjectId(slug: string): Promise<string | null> {
    try {
      const project = await this.http.call({ operation: "getProject", method: "GET", base: this.settings.apiUrl, path: `/project/${slugPath(slug)}`, schema: projectIdSchema });
      return project.id;
    } catch (error) {
      if (error instanceof CircleCiError && error.status === 404) return null;
      throw error;
    }
  }

  private claimsPath(projectId: string): string {
    return `/org/${seg(this.settings.orgId)}/project/${seg(projectId)}/oidc-custom-claims`;
  }

  /** A delete answered 404 (the variable, or its whole context or project, is gone) has nothing left to do. */
  private async alreadyGoneIsFine(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (error) {
      if (error instanceof CircleCiError && error.status === 404) return;
      throw error;
    }
  }
}

/** The CircleCI store from settings (CIRCLECI_API_URL, CIRCLECI_TOKEN, CIRCLECI_ORG_ID and tuning). */
export function createCircleCiStore(settings: CircleCiStoreSettings): CiSecretStore {
  return new CircleCiStore(resolveCircleCiSettings(settings));
}
