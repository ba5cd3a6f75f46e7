import { createHash, randomBytes } from "node:crypto";
import type { VaultWorld } from "../world/spec.js";

export interface EmulatedSecretVersion {
  /** 32 lower-case hex digits, as Key Vault makes them. */
  version: string;
  value: string;
  contentType?: string;
  tags: Record<string, string>;
  enabled: boolean;
  /** ISO times; the wire carries Unix seconds. */
  notBefore?: string;
  expiresOn?: string;
  createdOn: string;
  updatedOn: string;
}

export interface EmulatedSecret {
  /** As first created; Key Vault names are case-insensitive but keep their casing. */
  name: string;
  /** In creation order: the last one is the latest. */
  versions: EmulatedSecretVersion[];
}

export interface EmulatedDeletedSecret {
  secret: EmulatedSecret;
  deletedOn: string;
  scheduledPurgeOn: string;
}

/** A failure in Key Vault's own terms; the routes turn it into `{"error":{code,message,innererror}}`. */
export class KeyVaultProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = "KeyVaultProblem";
  }
}

export interface NewVersionInput {
  value: string;
  contentType?: string | null;
  tags?: Record<string, string> | null;
  enabled?: boolean;
  notBefore?: string | null;
  expiresOn?: string | null;
}

export interface VersionUpdate {
  contentType?: string | null;
  tags?: Record<string, string> | null;
  enabled?: boolean;
  notBefore?: string | null;
  expiresOn?: string | null;
}

export const secretNamePattern = /^[0-9a-zA-Z-]{1,127}$/;
const DAY_MS = 86_400_000;

const notFound = (name: string) =>
  new KeyVaultProblem(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

const versionNotFound = (name: string, version: string) =>
  new KeyVaultProblem(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${name}/${version} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

const deletedNotFound = (name: string) => new KeyVaultProblem(404, "SecretNotFound", `Deleted Secret not found: ${name}`);

/** Seeded versions get stable ids so a world reads the same every run; new versions get random ones. */
function seededVersionId(name: string, index: number, createdOn: string): string {
  return createHash("sha256").update(`keyvault seed ${name} ${index} ${createdOn}`).digest("hex").slice(0, 32);
}

const copyVersion = (v: EmulatedSecretVersion): EmulatedSecretVersion => ({ ...v, tags: { ...v.tags } });

/**
 * Everything the Key Vault emulator holds. Tests read it directly (every version with its value,
 * enabled flag, tags and expiry) and may change it to seed odd cases; the routes go through the same
 * methods, so both see one truth.
 */
export class KeyVaultState {
  readonly vaultName: string;
  /** Live secrets by lower-case name. */
  readonly secrets = new Map<string, EmulatedSecret>();
  /** Soft-deleted secrets by lower-case name, until recovered or purged. */
  readonly deleted = new Map<string, EmulatedDeletedSecret>();
  /** Secrets being recovered, by lower-case name, live again from `readyAt` (wall-clock ms). */
  readonly recovering = new Map<string, { secret: EmulatedSecret; readyAt: number }>();
  /**
   * How long a recovery takes (wall-clock ms; knob, default 0). Recovery is asynchronous in Key Vault: until it
   * ends the secret reads 404 and a write answers 409 ObjectIsBeingRecovered ("Secret … is currently being
   * recovered and cannot be re-created; retry later", github.com/hashicorp/terraform-provider-azurerm/issues/12285,
   * github.com/Azure/azure-sdk-for-net/issues/31581); the SDK's recover poller reads the secret until it answers.
   */
  recoveryDelayMs = 0;
  /** Secrets being soft-deleted, by lower-case name: in the deleted list from `readyAt` (wall-clock ms). */
  readonly deleting = new Map<string, { entry: EmulatedDeletedSecret; readyAt: number }>();
  /**
   * How long a soft delete takes (wall-clock ms; knob, default 0). Deletion is asynchronous in Key Vault: the
   * secret stops reading at once, but it shows in the deleted list only when the deletion ends (the SDK's
   * DeleteSecretPoller, @azure/keyvault-secrets lro/delete/operation.js, reads the deleted secret and takes a 404
   * for "still deleting"); meanwhile reusing, recovering or purging the name answers 409 Conflict with inner code
   * ObjectIsBeingDeleted ("Secret is currently being deleted.", github.com/hashicorp/terraform-provider-azurerm/issues/10454;
   * the same body for keys in the azure-sdk-for-js keyvault-keys recordings, recoverKeyName-cangettheversionsofakey).
   */
  softDeleteDelayMs = 0;
  /**
   * Purge protection (knob, default off): a purge is refused with 403 Forbidden, "Operation \"purge\" is not
   * allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after
   * the retention period has passed." (github.com/Azure/sap-automation/pull/200, github.com/microsoft/AzureTRE/issues/1760).
   * No inner code is shown in those reports: none is sent here.
   */
  purgeProtection = false;
  /**
   * How `GET /secrets/{name}/versions` answers for a name with no live secret (knob). Observed: 200 with an empty
   * `value` (issue 11 of this project, from the live service); no documentation says so and the REST reference
   * lists only 200, so "not-found" (404 SecretNotFound, as a GET of the secret answers) is modelled too.
   */
  versionsOfMissingName: "empty" | "not-found" = "empty";

  constructor(
    world: VaultWorld,
    private readonly now: () => Date,
    readonly retentionDays = 90,
  ) {
    this.vaultName = world.name;
    for (const seeded of world.secrets) {
      const key = seeded.name.toLowerCase();
      if (!secretNamePattern.test(seeded.name)) throw new Error(`vault world: secret name "${seeded.name}" is not a valid Key Vault name`);
      if (this.secrets.has(key)) throw new Error(`vault world: secret "${seeded.name}" appears twice`);
      if (seeded.versions.length === 0) throw new Error(`vault world: secret "${seeded.name}" has no versions`);
      this.secrets.set(key, {
        name: seeded.name,
        versions: seeded.versions.map((v, i) => ({
          version: seededVersionId(seeded.name, i, v.createdOn),
          value: v.value,
          contentType: v.contentType,
          tags: { ...(v.tags ?? {}) },
          enabled: v.enabled ?? true,
          notBefore: v.notBefore,
          expiresOn: v.expiresOn,
          createdOn: v.createdOn,
          updatedOn: v.createdOn,
        })),
      });
    }
  }

  /** The live secret, or undefined (a soft-deleted one, or one still being deleted or recovered, is not live). */
  secret(name: string): EmulatedSecret | undefined {
    this.settleRecoveries();
    this.settleDeletions();
    return this.secrets.get(name.toLowerCase());
  }

  /** Every version of a live secret, oldest first (copies: change state through the methods). */
  versions(name: string): EmulatedSecretVersion[] {
    return (this.secret(name)?.versions ?? []).map(copyVersion);
  }

  latest(name: string): EmulatedSecretVersion | undefined {
    const versions = this.secret(name)?.versions;
    return versions?.[versions.length - 1];
  }

  /** Live secrets sorted by name, as list pages show them. */
  liveSecrets(): EmulatedSecret[] {
    this.settleRecoveries();
    this.settleDeletions();
    return [...this.secrets.values()].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  }

  deletedSecrets(): EmulatedDeletedSecret[] {
    this.settleDeletions();
    this.purgeExpired();
    return [...this.deleted.values()].sort((a, b) => a.secret.name.toLowerCase().localeCompare(b.secret.name.toLowerCase()));
  }

  /** A version of a live secret; `version` empty or undefined means the latest. */
  findVersion(name: string, version?: string): { secret: EmulatedSecret; version: EmulatedSecretVersion } {
    const secret = this.secret(name);
    if (!secret) throw version ? versionNotFound(name, version) : notFound(name);
    if (!version) return { secret, version: secret.versions[secret.versions.length - 1]! };
    const found = secret.versions.find((v) => v.version === version.toLowerCase());
    if (!found) throw versionNotFound(name, version);
    return { secret, version: found };
  }

  /**
   * The value of a version: Key Vault refuses to hand out a disabled one, 403 Forbidden with inner code
   * SecretDisabled, "Operation get is not allowed on a disabled secret." (the body as the SDK's RestError shows it in
   * github.com/Azure/azure-sdk-for-js/issues/24756; also github.com/Azure/azure-powershell/issues/15378).
   */
  readableVersion(name: string, version?: string): { secret: EmulatedSecret; version: EmulatedSecretVersion } {
    const found = this.findVersion(name, version);
    if (!found.version.enabled) {
      throw new KeyVaultProblem(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
    }
    return found;
  }

  /** PUT /secrets/{name}: a new version, which becomes the latest. */
  addVersion(name: string, input: NewVersionInput): { secret: EmulatedSecret; version: EmulatedSecretVersion } {
    this.purgeExpired();
    this.settleRecoveries();
    const key = name.toLowerCase();
    this.refuseWhileDeleting(name);
    // A soft-deleted name cannot be reused: 409 Conflict with inner code ObjectIsDeletedButRecoverable
    // (github.com/external-secrets/external-secrets/issues/3519, github.com/ansible-collections/azure/issues/1145).
    if (this.deleted.has(key)) {
      throw new KeyVaultProblem(
        409,
        "Conflict",
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        "ObjectIsDeletedButRecoverable",
      );
    }
    if (this.recovering.has(key)) {
      throw new KeyVaultProblem(409, "Conflict", `Secret ${name} is currently being recovered and cannot be re-created; retry later.`, "ObjectIsBeingRecovered");
    }
    const at = this.now().toISOString();
    const version: EmulatedSecretVersion = {
      version: randomBytes(16).toString("hex"),
      value: input.value,
      contentType: input.contentType ?? undefined,
      tags: { ...(input.tags ?? {}) },
      enabled: input.enabled ?? true,
      notBefore: input.notBefore ?? undefined,
      expiresOn: input.expiresOn ?? undefined,
      createdOn: at,
      updatedOn: at,
    };
    let secret = this.secrets.get(key);
    if (!secret) {
      secret = { name, versions: [] };
      this.secrets.set(key, secret);
    }
    secret.versions.push(version);
    return { secret, version };
  }

  /** PATCH /secrets/{name}/{version}: what the request names changes, the rest stays; `null` clears. */
  updateVersion(name: string, version: string, update: VersionUpdate): { secret: EmulatedSecret; version: EmulatedSecretVersion } {
    const found = this.findVersion(name, version);
    const v = found.version;
    if (update.enabled !== undefined) v.enabled = update.enabled;
    if (update.contentType !== undefined) v.contentType = update.contentType ?? undefined;
    if (update.tags !== undefined) v.tags = { ...(update.tags ?? {}) };
    if (update.notBefore !== undefined) v.notBefore = update.notBefore ?? undefined;
    if (update.expiresOn !== undefined) v.expiresOn = update.expiresOn ?? undefined;
    v.updatedOn = this.now().toISOString();
    return found;
  }

  /** 409 ObjectIsBeingDeleted while a soft delete of the name is still running (see `softDeleteDelayMs`). */
  private refuseWhileDeleting(name: string): void {
    this.settleDeletions();
    if (this.deleting.has(name.toLowerCase())) {
      throw new KeyVaultProblem(409, "Conflict", "Secret is currently being deleted.", "ObjectIsBeingDeleted");
    }
  }

  /** Deletions whose time has come land in the deleted list. */
  private settleDeletions(): void {
    const now = Date.now();
    for (const [key, pending] of this.deleting) {
      if (pending.readyAt > now) continue;
      this.deleting.delete(key);
      this.deleted.set(key, pending.entry);
    }
  }

  /** DELETE /secrets/{name}: soft delete (every version), recoverable for `retentionDays`, after `softDeleteDelayMs`. */
  softDelete(name: string): EmulatedDeletedSecret {
    this.settleRecoveries();
    this.refuseWhileDeleting(name);
    const key = name.toLowerCase();
    const secret = this.secrets.get(key);
    if (!secret) throw notFound(name);
    const now = this.now();
    const entry: EmulatedDeletedSecret = {
      secret,
      deletedOn: now.toISOString(),
      scheduledPurgeOn: new Date(now.getTime() + this.retentionDays * DAY_MS).toISOString(),
    };
    this.secrets.delete(key);
    if (this.softDeleteDelayMs > 0) this.deleting.set(key, { entry, readyAt: Date.now() + this.softDeleteDelayMs });
    else this.deleted.set(key, entry);
    return entry;
  }

  deletedSecret(name: string): EmulatedDeletedSecret {
    this.settleDeletions();
    this.purgeExpired();
    const entry = this.deleted.get(name.toLowerCase());
    if (!entry) throw deletedNotFound(name);
    return entry;
  }

  /** POST /deletedsecrets/{name}/recover: the secret comes back with all its versions, after `recoveryDelayMs`. */
  recover(name: string): EmulatedSecret {
    this.refuseWhileDeleting(name);
    const entry = this.deletedSecret(name);
    const key = name.toLowerCase();
    this.deleted.delete(key);
    this.recovering.set(key, { secret: entry.secret, readyAt: Date.now() + this.recoveryDelayMs });
    this.settleRecoveries();
    return entry.secret;
  }

  private settleRecoveries(): void {
    const now = Date.now();
    for (const [key, entry] of this.recovering) {
      if (entry.readyAt > now) continue;
      this.recovering.delete(key);
      this.secrets.set(key, entry.secret);
    }
  }

  /** DELETE /deletedsecrets/{name}: gone for good. */
  purge(name: string): void {
    this.refuseWhileDeleting(name);
    this.deletedSecret(name);
    if (this.purgeProtection) {
      throw new KeyVaultProblem(
        403,
        "Forbidden",
        'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
      );
    }
    this.deleted.delete(name.toLowerCase());
  }

  /** Key Vault purges by itself once the retention period is over. */
  private purgeExpired(): void {
    const now = this.now().getTime();
    for (const [key, entry] of this.deleted) {
      if (Date.parse(entry.scheduledPurgeOn) <= now) this.deleted.delete(key);
    }
  }
}
