import type { SecretValue } from "../domain/secret-value.js";
import type { CiContext, CiVariable, ContextRestriction } from "../domain/snapshot.js";

/** Where pipelines read their secrets: CircleCI contexts and project environment variables. */
export interface CiSecretStore {
  listContexts(): Promise<CiContext[]>;
  listContextVariables(context: CiContext): Promise<CiVariable[]>;
  listProjectVariables(projectSlug: string): Promise<CiVariable[]>;
  /** Every restriction of a context (project, expression, group), all pages. */
  listContextRestrictions(context: CiContext): Promise<ContextRestriction[]>;
  /** Slugs of the projects the token's user follows (API v1.1), for `inventory.followedProjects`. */
  listFollowedProjects(): Promise<string[]>;
  /** Upsert. */
  setContextVariable(contextId: string, name: string, value: SecretValue): Promise<void>;
  /** Idempotent: a variable already gone is not an error. */
  deleteContextVariable(contextId: string, name: string): Promise<void>;
  /** Upsert (CircleCI's POST replaces an existing project variable). */
  setProjectVariable(projectSlug: string, name: string, value: SecretValue): Promise<void>;
  /** Idempotent: a variable already gone is not an error. */
  deleteProjectVariable(projectSlug: string, name: string): Promise<void>;
}
