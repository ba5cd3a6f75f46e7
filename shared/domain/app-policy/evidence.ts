/**
 * What the watchdog read of the Entra app management policies that govern one app's client secrets: the tenant
 * default (tenantAppManagementPolicy) and the per-app policy assigned to the app (appManagementPolicy), or why
 * they could not be read. Read by the Graph adapter, judged here.
 */

/** One passwordCredentialConfiguration, as read (restriction types the watchdog does not know are kept, ignored). */
export interface PasswordRestrictionRead {
  /** passwordAddition, passwordLifetime, customPasswordAddition, symmetricKeyAddition, symmetricKeyLifetime, … */
  restrictionType: string;
  /** Absent in older answers: then it is enforced. A value the watchdog does not know counts as enabled. */
  state: string | null;
  /** ISO 8601 duration (passwordLifetime). */
  maxLifetime: string | null;
  /** Applies to apps created on or after it; null: every app. */
  restrictForAppsCreatedAfterDateTime: string | null;
  /** How many custom security attribute exemptions it has (`excludeActors`): the watchdog may be one of the exempt. */
  exemptions: number;
}

export interface AppManagementPolicyRead {
  id: string;
  isEnabled: boolean;
  passwordCredentials: PasswordRestrictionRead[];
}

export type AppPolicyEvidence =
  | {
      readable: true;
      /** The tenant default's isEnabled and applicationRestrictions (the app's restrictions when no policy is assigned). */
      tenantDefault: AppManagementPolicyRead;
      /** The policies assigned to the app (Entra allows one). */
      assigned: AppManagementPolicyRead[];
      /** The app's createdDateTime (restrictions apply by it); null when Graph did not say. */
      appCreatedDateTime: string | null;
    }
  /** 403 without Policy.Read.All, an answer that did not parse, no answer: unknown, never "allowed". */
  | { readable: false; reason: string };

/** A rotation Graph refused with a 400 (its journal is in state blocked): reported until a mint succeeds. */
export interface RotationBlock {
  credential: string;
  at: string;
  reason: string;
  /** From when a cycle tries again (one addPassword); a person may at any time. */
  retryAt?: string;
}
