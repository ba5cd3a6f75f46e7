import type { EmulatorReply } from "../core/emulator.js";
import type { EmulatedDeletedSecret, EmulatedSecret, EmulatedSecretVersion } from "./state.js";

/** Key Vault's JSON shapes (api-version 2025-07-01): times are Unix seconds, optional fields are left out. */

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function recoveryLevel(retentionDays: number): string {
  return retentionDays === 90 ? "Recoverable+Purgeable" : "CustomizedRecoverable+Purgeable";
}

function attributes(v: EmulatedSecretVersion, retentionDays: number): Record<string, unknown> {
  return {
    enabled: v.enabled,
    ...(v.notBefore ? { nbf: unix(v.notBefore) } : {}),
    ...(v.expiresOn ? { exp: unix(v.expiresOn) } : {}),
    created: unix(v.createdOn),
    updated: unix(v.updatedOn),
    recoveryLevel: recoveryLevel(retentionDays),
    recoverableDays: retentionDays,
  };
}

function described(v: EmulatedSecretVersion): Record<string, unknown> {
  return {
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(Object.keys(v.tags).length > 0 ? { tags: { ...v.tags } } : {}),
  };
}

export const secretId = (base: string, name: string, version?: string) =>
  version ? `${base}/secrets/${name}/${version}` : `${base}/secrets/${name}`;

/** SecretBundle: PUT and GET carry the value; PATCH and recover answer without it. */
export function secretBundle(
  base: string,
  secret: EmulatedSecret,
  v: EmulatedSecretVersion,
  retentionDays: number,
  withValue: boolean,
): Record<string, unknown> {
  return {
    ...(withValue ? { value: v.value } : {}),
    id: secretId(base, secret.name, v.version),
    ...described(v),
    attributes: attributes(v, retentionDays),
  };
}

/** SecretItem: list of secrets gives the versionless id of each (latest properties); list of versions gives versioned ids. */
export function secretItem(
  base: string,
  secret: EmulatedSecret,
  v: EmulatedSecretVersion,
  retentionDays: number,
  withVersion: boolean,
): Record<string, unknown> {
  return {
    id: secretId(base, secret.name, withVersion ? v.version : undefined),
    ...described(v),
    attributes: attributes(v, retentionDays),
  };
}

function deletion(base: string, entry: EmulatedDeletedSecret): Record<string, unknown> {
  return {
    recoveryId: `${base}/deletedsecrets/${entry.secret.name}`,
    deletedDate: unix(entry.deletedOn),
    scheduledPurgeDate: unix(entry.scheduledPurgeOn),
  };
}

/** DeletedSecretBundle: the latest version's properties plus where and until when it can be recovered. */
export function deletedSecretBundle(base: string, entry: EmulatedDeletedSecret, retentionDays: number): Record<string, unknown> {
  const latest = entry.secret.versions[entry.secret.versions.length - 1]!;
  return { ...deletion(base, entry), ...secretBundle(base, entry.secret, latest, retentionDays, false) };
}

export function deletedSecretItem(base: string, entry: EmulatedDeletedSecret, retentionDays: number): Record<string, unknown> {
  const latest = entry.secret.versions[entry.secret.versions.length - 1]!;
  return { ...deletion(base, entry), ...secretItem(base, entry.secret, latest, retentionDays, false) };
}

const codeByStatus: Record<number, string> = {
  400: "BadParameter",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  429: "Throttled",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** `{"error":{"code","message","innererror"?}}` — Key Vault writes `innererror` in lower case. */
export function keyVaultError(status: number, message: string, code?: string, innerCode?: string): EmulatorReply {
  return {
    status,
    json: {
      error: {
        code: code ?? codeByStatus[status] ?? "Error",
        message,
        ...(innerCode ? { innererror: { code: innerCode } } : {}),
      },
    },
  };
}
