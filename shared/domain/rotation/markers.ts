/**
 * How the watchdog marks what a rotation creates, so that a later run can find it in the world again:
 * the Entra password's displayName carries the credential and rotation id, and the Key Vault version's
 * tags carry the rotation id and the key id of the password whose value it holds.
 */

/** Every password the watchdog mints starts with this (the plan treats such passwords as ours). */
export const rotationDisplayNamePrefix = "watchdog-rotation:";

/** `managedBy` tag of every Key Vault version the watchdog writes. */
export const managedByWatchdog = "secret-watchdog";

/** Rotation ids go into a displayName and a tag: keep them to a safe alphabet without the `:` separator. */
export const rotationIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export function rotationDisplayName(credential: string, rotationId: string): string {
  return `${rotationDisplayNamePrefix}${credential}:${rotationId}`;
}

/** The credential and rotation id a password was minted for, or null for a password that is not ours. */
export function parseRotationDisplayName(displayName: string | null | undefined): { credential: string; rotationId: string } | null {
  if (!displayName?.startsWith(rotationDisplayNamePrefix)) return null;
  const rest = displayName.slice(rotationDisplayNamePrefix.length);
  const separator = rest.lastIndexOf(":");
  if (separator <= 0 || separator === rest.length - 1) return null;
  return { credential: rest.slice(0, separator), rotationId: rest.slice(separator + 1) };
}

export function isMintedBy(displayName: string | null | undefined, credential: string, rotationId?: string): boolean {
  const parsed = parseRotationDisplayName(displayName);
  return parsed !== null && parsed.credential === credential && (rotationId === undefined || parsed.rotationId === rotationId);
}

export interface RotationVaultTags {
  appId: string;
  keyId: string;
  rotationId: string;
  credential: string;
  managedBy: typeof managedByWatchdog;
}

export function rotationVaultTags(input: { appId: string; keyId: string; rotationId: string; credential: string }): RotationVaultTags {
  return { appId: input.appId, keyId: input.keyId, rotationId: input.rotationId, credential: input.credential, managedBy: managedByWatchdog };
}

/** Key ids compare case-insensitively (Graph GUIDs). */
export const sameKeyId = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Did the watchdog write this (deleted) secret for this credential? Its latest version's tags must say so:
 * `managedBy`, this `credential`, and — when tagged — this app. Anything else is someone else's to recover or purge.
 */
export function writtenForCredential(tags: Readonly<Record<string, string>>, credential: { name: string; appId: string }): boolean {
  if (tags.managedBy !== managedByWatchdog || tags.credential !== credential.name) return false;
  return tags.appId === undefined || tags.appId.toLowerCase() === credential.appId.toLowerCase();
}
