import type { ActorExemption, AssignedAppManagementPolicy, TenantAppManagementPolicy } from "../graph/app-management-policy.js";

/**
 * A sandbox world: everything the emulators hold at start. Dates are ISO strings so that a world is
 * plain data (worlds are generated relative to a `now` the caller chooses).
 */
export interface WorldSpec {
  circleci: CircleWorld;
  entra: EntraWorld;
  keyVault: VaultWorld;
}

export interface CircleWorld {
  token: string;
  org: { id: string; slug: string; name: string; vcsType: string };
  user: { id: string; login: string; name: string };
  contexts: Array<{
    id: string;
    name: string;
    createdAt: string;
    variables: Array<{ name: string; value: string; createdAt: string; updatedAt: string }>;
    /** Context restrictions (none: every project of the organization may use the context). */
    restrictions?: Array<{ id: string; type: "project" | "expression" | "group"; value: string; name?: string }>;
  }>;
  projects: Array<{
    slug: string;
    id: string;
    name: string;
    followed?: boolean;
    variables: Array<{ name: string; value: string; createdAt?: string }>;
    /** Deleted from CircleCI: listed by the organization list with include-deleted=true, 404 through API v2. */
    deletedAt?: string;
  }>;
}

export interface EntraWorld {
  tenantId: string;
  /** The watchdog's own managed identity: what IDENTITY_ENDPOINT hands out tokens for. */
  managedIdentity: {
    clientId: string;
    principalId: string;
    identityHeader: string;
    roles?: string[];
    /** Custom security attributes of its service principal: an app management restriction's `excludeActors` may exempt it. */
    customSecurityAttributes?: ActorExemption[];
  };
  applications: Array<{
    id: string; // object id
    appId: string;
    displayName: string;
    tags?: string[];
    passwordCredentials: Array<{
      keyId: string;
      displayName: string | null;
      startDateTime: string;
      endDateTime: string;
      /** The value; the emulator keeps it to answer client-credential grants and never returns it from reads. */
      secretText: string;
    }>;
    keyCredentials: Array<{ keyId: string; displayName: string | null; startDateTime: string; endDateTime: string; type: string; usage: string }>;
    federatedIdentityCredentials?: Array<{ id: string; name: string; issuer: string; subject: string; audiences: string[]; description?: string }>;
    /** Owner object ids; default: the managed identity's principal (so Application.ReadWrite.OwnedBy can change it). */
    owners?: string[];
    /** When the app was registered (app management restrictions apply by it); default 2020-01-01. */
    createdDateTime?: string;
  }>;
  /** The tenant's app management policies (default: the tenant default, disabled, and no per-app policy). */
  appManagementPolicies?: {
    tenantDefault?: TenantAppManagementPolicy;
    /** Per-app policies, each with the object ids of the applications it is assigned to. */
    policies?: AssignedAppManagementPolicy[];
  };
  /** Beta appCredentialSignInActivities by key id; a key absent here has no recorded sign-in. */
  signIns: Array<{ keyId: string; appId: string; lastSignInDateTime: string }>;
  /** false: the tenant has no P1/P2 licence, sign-in activity answers 403. */
  signInReportsAvailable: boolean;
}

export interface VaultWorld {
  /** Vault name, as in https://<name>.vault.azure.net — the emulator serves it at https://127.0.0.1:<port>. */
  name: string;
  secrets: Array<{
    name: string;
    versions: Array<{
      value: string;
      contentType?: string;
      tags?: Record<string, string>;
      enabled?: boolean;
      /** ISO times; the wire uses Unix seconds. */
      notBefore?: string;
      expiresOn?: string;
      createdOn: string;
    }>;
  }>;
}
