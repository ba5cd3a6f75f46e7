import type { ProjectCoverage } from "./plan/project-coverage.js";
import type { AlertSource, Severity } from "./alert.js";
import type { SourceError } from "./snapshot.js";

import type { WaiverMatch } from "./policy/waiver-schema.js";

/** A policy waiver that concerns a credential: `active` silences its alerts; `ended` means its findings alert again as new. */
export interface WaiverMark {
  state: "active" | "ended";
  reason: string;
  by: string;
  until: string;
  /** Index in the policy's `waivers`. */
  waiver: number;
}

/** One waiver of the policy as the plan sees it: whether it still silences, and how many credentials it matches. */
export interface WaiverStatus {
  waiver: number;
  match: WaiverMatch;
  reason: string;
  by: string;
  until: string;
  /** `ending`: active, but within 30 days of `until` (it raises one alert of its own). */
  state: "active" | "ending" | "ended";
  /** Credentials it matches this cycle; 0 is a warning (a typo would silently waive nothing). */
  matches: number;
}

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
  /**
   * A rotated credential: whether CircleCI still holds the value the watchdog pushed ("drifted": changed outside
   * it; "unknown": CircleCI or Key Vault could not be read). Absent before the watchdog's first tracked push.
   */
  drift?: "in-sync" | "drifted" | "unknown";
  /** A policy waiver concerns it: while active, its findings raise no alert (nothing else changes). */
  waiver?: WaiverMark;
}

/**
 * blocked-by-tenant-policy: the tenant's app management policy forbids the rotation's new client secret (read
 * before minting, or Graph refused it with a 400); its nextStep is the way out (OIDC migration).
 */
export type FindingKind = "expired" | "expiring" | "long-lived" | "not-found" | "exposed" | "permission-missing" | "drifted" | "blocked-by-tenant-policy";

/**
 * A permission or role a credential's rotation or migration needs and the watchdog's identity lacks (`missing`),
 * or could not be confirmed (`unknown`: the check's read failed): the step is not started.
 */
export interface MissingPermission {
  /** As `watchdog doctor` names it: "owner of app 1111…", "Key Vault Secrets Officer on … (secret …)". */
  need: string;
  status: "missing" | "unknown";
  /** The exact grant that fixes it. */
  fix: string;
  /** What was observed (status codes, error codes; never a value). */
  detail?: string;
}

/**
 * Whether the watchdog's identity owns a bound app it rotates or federates (Application.ReadWrite.OwnedBy changes
 * only owned apps). no: watched, but neither rotated nor federated until the grant; unknown: the owners could not
 * be read (never taken as owned); not-needed: the identity holds Application.ReadWrite.All.
 */
export interface AppOwnership {
  appId: string;
  appName?: string;
  /** The policy credentials that rotate or federate it. */
  credentials: string[];
  owner: "yes" | "no" | "unknown" | "not-needed";
  /** The grant that makes the watchdog an owner (owner no or unknown). */
  fix?: string;
  /** Why it is unknown (status and error code). */
  detail?: string;
}

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
  /** kind "drifted": when CircleCI says the variable changed after the watchdog's push (context variables). */
  changedAt?: string;
  /** kind "exposed": the context and who can use it. */
  exposure?: ContextExposure;
  /** kind "permission-missing": what the step needs and the watchdog lacks, each with its fix. */
  permissions?: MissingPermission[];
  /** One line for a human; names only, never a value. */
  message: string;
  /** `watchdog rotate <name>`, or the policy snippet to add for an unbound credential. */
  nextStep: string;
  /** The credential's waiver: an `active` one means this finding is accepted and raises no alert. */
  waiver?: WaiverMark;
}

export type PlanStep =
  | {
      kind: "rotate";
      credential: string;
      reason: string;
      /** Why the step cannot run now (e.g. no Key Vault configured); executors skip blocked steps. */
      blocked?: string;
      /** What the rotation will leave in place and why (e.g. the app's only password, bound by another credential too). */
      note?: string;
    }
  | { kind: "migrate"; credential: string; reason: string; blocked?: string };

import type { MigrationStatus } from "./migration/describe.js";

/** Where a served plan or inventory comes from when it is the stored read (GET /api/plan, `--cached`). */
export interface ReadSource {
  /** Who stored it: a cycle (the timer, `watchdog run`) or an on-demand refresh. */
  origin: "cycle" | "refresh";
  storedAt: string;
  /**
   * What a refresh asked for (or needed, nothing being stored) did: `ran` here, `shared` another one running,
   * `too-soon` within the minimum interval of the stored read, `busy` another instance's still running.
   */
  refresh?: "ran" | "shared" | "too-soon" | "busy";
}

export interface Plan {
  generatedAt: string;
  /** When the sources were read; set when the plan is served from the stored read. */
  takenAt?: string;
  /** Set when the plan is served from the stored read. */
  read?: ReadSource;
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
  /** Which CircleCI projects were read, and how they were found. */
  projectCoverage?: ProjectCoverage;
  /** Each app bound by a rotate or oidc credential: whether the watchdog owns it (absent when no credential rotates or federates). */
  ownership?: AppOwnership[];
  /** The policy's waivers, each with whether it still silences and what it matches. */
  waivers?: WaiverStatus[];
  summary: {
    credentials: number;
    expired: number;
    expiring: number;
    longLived: number;
    notFound: number;
    /** Contexts with an `exposed` finding (unrestricted, or open to SSH reruns). */
    exposed: number;
    /** Rotated credentials whose CircleCI value was changed outside the watchdog. */
    drifted: number;
    /** Rotate credentials whose new secret the tenant's app management policy forbids. */
    blockedByTenantPolicy?: number;
    steps: number;
    /** Findings an active waiver accepts (counted in the totals above too). */
    waived?: number;
    /** Credentials whose due rotation or migration is not started for a missing permission (set when permissions were checked). */
    permissionMissing?: number;
  };
}
