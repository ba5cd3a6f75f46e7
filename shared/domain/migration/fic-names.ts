import { fnv1a128Hex } from "../alerts/alert-id.js";

/**
 * How the watchdog recognises the federated identity credentials it owns: by name, which Entra keeps
 * immutable (a description can be edited by anyone). A FIC is the watchdog's for a credential exactly
 * when its name is `watchdog-<credential>-<12 hex>`; anything else on the app is never touched.
 */

export const ficNamePrefix = "watchdog-";
/** Entra's limit on a FIC name. */
export const maxFicNameLength = 120;
const hashLength = 12;
// "watchdog-" + part + "-" + hash must fit in 120 characters.
const maxCredentialPart = maxFicNameLength - ficNamePrefix.length - 1 - hashLength;

export const ficDescriptionPrefix = "managed by secret-watchdog";

/** The credential's name as it appears in FIC names; long names are cut and made unique again with a hash. */
export function ficCredentialPart(credential: string): string {
  if (credential.length <= maxCredentialPart) return credential;
  const hash = fnv1a128Hex(`credential ${credential}`).slice(0, hashLength);
  return `${credential.slice(0, maxCredentialPart - hashLength - 1)}-${hash}`;
}

/** Deterministic: the same issuer, subject and audience always give the same name, so re-runs find their FICs. */
export function ficName(credential: string, fic: { issuer: string; subject: string; audience: string }): string {
  const hash = fnv1a128Hex(JSON.stringify([fic.issuer, fic.subject, fic.audience])).slice(0, hashLength);
  return `${ficNamePrefix}${ficCredentialPart(credential)}-${hash}`;
}

const hashPattern = new RegExp(`^[0-9a-f]{${hashLength}}$`);

/** Whether the watchdog created this FIC for this credential (and may therefore change or remove it). */
export function isOwnedFic(credential: string, name: string): boolean {
  const prefix = `${ficNamePrefix}${ficCredentialPart(credential)}-`;
  return name.startsWith(prefix) && hashPattern.test(name.slice(prefix.length));
}

export function ficDescription(credential: string): string {
  return `${ficDescriptionPrefix} (credential ${credential})`;
}
