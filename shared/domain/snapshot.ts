import type { AppPolicyEvidence } from "./app-policy/evidence.js";

/**
 * The normalized inventory: what one cycle read from CircleCI, Entra (Graph) and Key Vault.
 * It holds metadata only — never a secret value. Times are ISO 8601 strings.
 */

export type CiScope =
  | { kind: "context"; contextId: string; contextName: string }
  | { kind: "project"; projectSlug: string };

export interface CiVariable {
  scope: CiScope;
  name: string;
  /** When the variable was created, when known (project variables often lack it). */
  createdAt?: string;
  /** Last change; contexts report it, projects do not (then createdAt stands in). */
  updatedAt?: string;
}

/** One restriction of a context; `type` is CircleCI's `restriction_type` (project, expression, group, or one added later). */
export interface ContextRestriction {
  id: string;
  type: string;
  /** A project or group UUID, or an expression. Not secret. */
  value: string;
  name?: string;
}

/** A context's restrictions as read, or why they could not be: then its exposure is unknown, never "restricted". */
export type ContextRestrictions = { read: true; restrictions: ContextRestriction[] } | { read: false; problem: string };

export interface CiContext {
  id: string;
  name: string;
  createdAt: string;
  /** Absent when restrictions were not read (inventory.exposure: ignore). */
  restrictions?: ContextRestrictions;
}

export interface AppPassword {
  keyId: string;
  displayName: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  /** First three characters of the value, as Graph reports it: not secret by Graph's own design, but we never print it. */
  hint?: string | null;
}

export interface AppCertificate {
  keyId: string;
  displayName: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  type?: string | null;
}

export interface EntraApp {
  /** Graph object id, used in /applications/{id} paths. */
  objectId: string;
  /** Client id. */
  appId: string;
  displayName: string;
  tags: string[];
  passwords: AppPassword[];
  certificates: AppCertificate[];
}

export interface VaultSecretInfo {
  name: string;
  /** Latest version id (32 hex), when known. */
  version?: string;
  enabled: boolean;
  expiresOn?: string;
  updatedOn?: string;
  contentType?: string;
  tags: Record<string, string>;
}

export type SourceName = "circleci" | "entra" | "keyvault";

export interface SourceError {
  source: SourceName;
  /** Where: "context prod-deploy", "project gh/acme/api", "applications", … */
  where: string;
  message: string;
}

/** How the inventory came to read a project (`inventory.projects`, a credential's binding, followed, the organization list). */
export type ProjectSource = "listed" | "bound" | "followed" | "organization";

/** What the inventory knows of its own project coverage (API v2 cannot list an organization's projects). */
export interface ProjectReads {
  /** Every project the inventory tried to read, with how it was found. */
  sources: Array<{ slug: string; from: ProjectSource[] }>;
  /** `inventory.allProjects`: "read", "failed" (coverage incomplete), or "off". */
  organizationList: "read" | "failed" | "off";
  /** Projects the organization list marked deleted (skipped). */
  deletedSkipped: number;
  /** Projects only the organization list named that API v2 answers 404 for: deleted, or not visible to the token's user. */
  notFound: string[];
}

/** The app management policy evidence of one app a rotate credential binds. */
export interface AppPolicyRead {
  appId: string;
  evidence: AppPolicyEvidence;
}

export interface Snapshot {
  takenAt: string;
  circleci: { contexts: CiContext[]; variables: CiVariable[]; projects: string[]; projectReads?: ProjectReads };
  entra: { apps: EntraApp[] };
  /** null when no vault is configured. */
  keyVault: { secrets: VaultSecretInfo[] } | null;
  /** The app management policies of the apps rotate credentials bind (absent: not read, e.g. older stored reads). */
  appPolicies?: AppPolicyRead[];
  /** Everything that could not be read. A snapshot with errors is incomplete: nothing may be removed on it. */
  errors: SourceError[];
}

export function isComplete(snapshot: Snapshot): boolean {
  return snapshot.errors.length === 0;
}
