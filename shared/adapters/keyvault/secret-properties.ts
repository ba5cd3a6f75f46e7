import { z } from "zod";
import type { VaultSecretInfo } from "../../domain/snapshot.js";
import type { DeletedVaultSecret, VaultSecretVersion } from "../../ports/vault.js";

/**
 * What the app reads from the SDK's `SecretProperties`, checked: a vault (or anything answering in its
 * place) that leaves out a field we rely on gets an error naming the field, not a silent `undefined`.
 */
const propertiesShape = z.object({
  name: z.string().min(1),
  version: z.string().min(1).optional(),
  enabled: z.boolean({ error: "expected attributes.enabled (boolean)" }),
  expiresOn: z.date().optional(),
  updatedOn: z.date().optional(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

const versionedShape = propertiesShape.extend({ version: z.string().regex(/^[0-9a-zA-Z]+$/, "expected a version id") });

export class UnexpectedVaultResponse extends Error {
  constructor(issues: z.ZodError["issues"]) {
    super(`unexpected response: ${issues.map((i) => `${i.path.join(".") || "properties"}: ${i.message}`).join("; ")}`);
    this.name = "UnexpectedVaultResponse";
  }
}

function parse<T extends z.ZodType>(schema: T, properties: unknown): z.infer<T> {
  const result = schema.safeParse(properties);
  if (!result.success) throw new UnexpectedVaultResponse(result.error.issues);
  return result.data;
}

function info(p: z.infer<typeof propertiesShape>): VaultSecretInfo {
  return {
    name: p.name,
    ...(p.version ? { version: p.version } : {}),
    enabled: p.enabled,
    ...(p.expiresOn ? { expiresOn: p.expiresOn.toISOString() } : {}),
    ...(p.updatedOn ? { updatedOn: p.updatedOn.toISOString() } : {}),
    ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
    tags: { ...(p.tags ?? {}) },
  };
}

/** A list-of-secrets item: Key Vault gives versionless ids there, so `version` is usually absent. */
export function toSecretInfo(properties: unknown): VaultSecretInfo {
  return info(parse(propertiesShape, properties));
}

export function toSecretVersion(properties: unknown): VaultSecretVersion {
  const p = parse(versionedShape, properties);
  return { ...info(p), version: p.version };
}

const deletedShape = propertiesShape.extend({
  deletedOn: z.date().optional(),
  scheduledPurgeDate: z.date().optional(),
});

/** A `DeletedSecret`'s properties (the SDK puts deletedOn and scheduledPurgeDate beside the version's). */
export function toDeletedSecret(properties: unknown): DeletedVaultSecret {
  const p = parse(deletedShape, properties);
  return {
    ...info(p),
    ...(p.deletedOn ? { deletedOn: p.deletedOn.toISOString() } : {}),
    ...(p.scheduledPurgeDate ? { scheduledPurgeOn: p.scheduledPurgeDate.toISOString() } : {}),
  };
}
