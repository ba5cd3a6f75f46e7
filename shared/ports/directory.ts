import type { AppPolicyEvidence } from "../domain/app-policy/index.js";
import type { SecretValue } from "../domain/secret-value.js";
import type { AppPassword, EntraApp } from "../domain/snapshot.js";
import type { ObservedFic } from "../domain/migration/federation-plan.js";
import type { FederatedSignIns } from "../domain/migration/first-sign-ins.js";

export type { FederatedSignIns };

/** A federated identity credential as Graph lists it: the same shape the migration domain plans against. */
export type FederatedCredential = ObservedFic;

export type SignInEvidence =
  | { available: true; lastSignInDateTime: string | null }
  /** The tenant cannot say (403 / no P1-P2 licence / beta endpoint missing): never retire on it. */
  | { available: false; reason: string };

/** The identity directory (Entra ID through Microsoft Graph). */
export interface Directory {
  listApplications(): Promise<EntraApp[]>;
  /** By client id; null when no such app. */
  getApplication(appId: string): Promise<EntraApp | null>;
  addPassword(
    appObjectId: string,
    request: { displayName: string; endDateTime: string },
  ): Promise<{ password: AppPassword; secret: SecretValue }>;
  /** Idempotent: a key already gone is not an error. */
  removePassword(appObjectId: string, keyId: string): Promise<void>;
  listFederatedCredentials(appObjectId: string): Promise<FederatedCredential[]>;
  createFederatedCredential(appObjectId: string, credential: Omit<FederatedCredential, "id">): Promise<FederatedCredential>;
  /** Idempotent. */
  deleteFederatedCredential(appObjectId: string, credentialId: string): Promise<void>;
  lastSignIn(appId: string, keyId: string): Promise<SignInEvidence>;
  /** Never throws: a failure to read is `available: false` with the status and error code. */
  firstFederatedSignIns(appId: string, since: string): Promise<FederatedSignIns>;
  /** Who the watchdog is to Graph: its service principal's object id and the application permissions its token carries. */
  callerIdentity(): Promise<CallerIdentity>;
  /** Object ids of the app's owners (users and service principals). */
  listOwners(appObjectId: string): Promise<string[]>;
  /**
   * Makes a directory object (the watchdog's service principal) an owner of the app. Idempotent: an owner
   * already there is not an error (Graph refuses the duplicate; the app's owners, re-read, settle it).
   */
  addOwner(appObjectId: string, objectId: string): Promise<void>;
  /** The app management policies that govern the app's client secrets (tenant default and assigned), or why they could not be read. */
  readAppPolicy(appObjectId: string): Promise<AppPolicyEvidence>;
}

export interface CallerIdentity {
  /** The `oid` claim: the service principal's object id (null when the token does not say). */
  principalId: string | null;
  /** The `roles` claim: Graph application permissions in effect when the token was issued. */
  roles: string[];
}

/** Proves a client secret works: acquires a token with it (client-credentials grant). */
export interface SecretTester {
  test(tenantId: string, appId: string, secret: SecretValue): Promise<{ ok: true } | { ok: false; reason: string; retryable: boolean }>;
}

/**
 * Graph answered a well-formed addPassword with 400. Graph documents no error code for a password the tenant's
 * app management policy forbids (and its words change), so the status alone says it: nothing was added.
 * Carries the status and Graph's error code only, never the answer's words.
 */
export class PasswordRefused extends Error {
  override readonly name = "PasswordRefused";

  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`Graph refused the new client secret (${status} ${code})`);
  }
}
