import type { AlertSource, Severity } from "./alert.js";
import type { SourceError } from "./snapshot.js";

export type CredentialStatus = "ok" | "expiring" | "expired" | "long-lived" | "not-found";

/** Every credential the watchdog sees — bound by the policy or not — with what it knows of it. */
export interface WatchedCredential {
  /** Policy credential name, or a derived key for unbound ones: "entra:<appId>:<keyId>", "circleci:context:<name>:<VAR>", "circleci:project:<slug>:<VAR>". */
  credential: string;
  bound: boolean;
  action?: "watch" | "rotate" | "oidc";
  source: AlertSource;
  status: CredentialStatus;
  expiresAt?: string;
  /** ceil((expiresAt - now) / 1 day): "within N days" ⟺ daysLeft <= N; 0 or less once expired. */
  daysLeft?: number;
  /** floor((now - last change) / 1 day) of the CircleCI variable. */
  ageDays?: number;
  lastChangedAt?: string;
  /**
   * An Entra password of a bound app whose displayName starts with "watchdog-rotation:" and that is not the
   * live one: the rotation machinery retires it, so it is listed but raises no finding.
   */
  retiring?: boolean;
  /** What could not be checked because its source failed to read (the snapshot was incomplete); absent when everything was. */
  unchecked?: string[];
}

export type FindingKind = "expired" | "expiring" | "long-lived" | "not-found" | "exposed";

/**
 * unrestricted: no restriction of any type, so every project of the organization (including ones created later)
 * can use the context; ssh-rerun: restricted, but an expression restriction lacks a top-level
 * `and not job.ssh.enabled`, so an SSH rerun can read its variables; unknown: the restrictions could not be read.
 */
export type ExposureLevel = "unrestricted" | "ssh-rerun" | "restricted" | "unknown";

/** Who can use a CircleCI context that holds secrets the watchdog cares about. */
export interface ContextExposure {
  context: string;
  contextId: string;
  level: ExposureLevel;
  /** Each restriction as "<type> <value>", e.g. "project 9a3c…", "expression pipeline.git.branch == \"main\"". */
  restrictions: string[];
  /** Variables that make it matter: those a policy credential binds and long-lived secrets. Names only. */
  variables: string[];
  /** Why the level is unknown. */
  problem?: string;
}

export interface Finding {
  /** Stable across cycles for the same problem: "<kind>:<credential>". */
  id: string;
  kind: FindingKind;
  severity: Severity;
  credential: string;
  bound: boolean;
  source: AlertSource;
  expiresAt?: string;
  daysLeft?: number;
  ageDays?: number;
  /** kind "exposed": the context and who can use it. */
  exposure?: ContextExposure;
  /** One line for a human; names only, never a value. */
  message: string;
  /** `watchdog rotate <name>`, or the policy snippet to add for an unbound credential. */
  nextStep: string;
}

export type PlanStep =
  | {
      kind: "rotate";
      credential: string;
      reason: string;
      /** Why the step cannot run now (e.g. no Key Vault configured); executors skip blocked steps. */
      blocked?: string;
    }
  | { kind: "migrate"; credential: string; reason: string; blocked?: string };

import type { MigrationStatus } from "./migration/describe.js";

export interface Plan {
  generatedAt: string;
  /** false when a source could not be read: then nothing may be removed this cycle. */
  complete: boolean;
  sourceErrors: SourceError[];
  credentials: WatchedCredential[];
  findings: Finding[];
  steps: PlanStep[];
  /** Who can use each context holding a bound credential or a long-lived secret; absent with inventory.exposure: ignore. */
  exposure?: ContextExposure[];
  /** OIDC migrations of `action: oidc` credentials, from the state store (added by the app; the pure plan does not read state). */
  migrations?: MigrationStatus[];
  summary: {
    credentials: number;
    expired: number;
    expiring: number;
    longLived: number;
    notFound: number;
    /** Contexts with an `exposed` finding (unrestricted, or open to SSH reruns). */
    exposed: number;
    steps: number;
  };
}
