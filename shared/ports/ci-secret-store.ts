import type { SecretValue } from "../domain/secret-value.js";
import type { CiContext, CiVariable, ContextRestriction } from "../domain/snapshot.js";

/** What CircleCI answered to a write: the variable's `updated_at` by the server's clock, when it said. */
export interface CiWriteReceipt {
  updatedAt?: string;
}

/** Where pipelines read their secrets: CircleCI contexts and project environment variables. */
export interface CiSecretStore {
  listContexts(): Promise<CiContext[]>;
  listContextVariables(context: CiContext): Promise<CiVariable[]>;
  listProjectVariables(projectSlug: string): Promise<CiVariable[]>;
  /** Every restriction of a context (project, expression, group), all pages. */
  listContextRestrictions(context: CiContext): Promise<ContextRestriction[]>;
  /** Slugs of the projects the token's user follows (API v1.1), for `inventory.followedProjects`. */
  listFollowedProjects(): Promise<string[]>;
  /**
   * Every project of the organization (CIRCLECI_ORG_ID) through CircleCI's undocumented organization project list,
   * for `inventory.allProjects`. Throws on any failure or unexpected answer, including a list that repeats itself.
   */
  listOrganizationProjects(): Promise<Array<{ slug: string; deleted: boolean }>>;
  /** Upsert. */
  setContextVariable(contextId: string, name: string, value: SecretValue): Promise<CiWriteReceipt>;
  /** Idempotent: a variable already gone is not an error. */
  deleteContextVariable(contextId: string, name: string): Promise<void>;
  /** Upsert (CircleCI's POST replaces an existing project variable). */
  setProjectVariable(projectSlug: string, name: string, value: SecretValue): Promise<void>;
  /**
   * The masked value CircleCI shows for a project variable ("xxxx" + its last four characters), kept in a
   * SecretValue so it is never printed; null when the variable does not exist.
   */
  readProjectVariableMask(projectSlug: string, name: string): Promise<SecretValue | null>;
  /** Idempotent: a variable already gone is not an error. */
  deleteProjectVariable(projectSlug: string, name: string): Promise<void>;
  /** The project's OIDC custom `audience` claim (null: none set), `GET /org/{org}/project/{id}/oidc-custom-claims`. */
  getProjectOidcAudience(projectId: string): Promise<string[] | null>;
  /** Sets the project's custom `audience` claim (PATCH; ttl untouched). */
  setProjectOidcAudience(projectId: string, audience: string[]): Promise<void>;
  /** Removes the project's custom `audience` claim (DELETE `?claims=audience`). */
  deleteProjectOidcAudience(projectId: string): Promise<void>;
  /** The id of the project with this slug (`GET /project/{slug}`); null when CircleCI has no such project. */
  getProjectId(projectSlug: string): Promise<string | null>;
}

/** The HTTP status a store's error carries, when the failure was an answer (its errors expose `status`). */
export function answeredStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === "number" ? status : undefined;
}
