import type { PolicyCredential } from "./credential-schema.js";

/**
 * The other policy credentials that bind the same Entra app as `credential` (appIds compare case-insensitively).
 * Each may hold the same password in another CircleCI variable, so a rotation of `credential` never removes the
 * app's only password while any exist.
 */
export function otherCredentialsOfApp(credentials: readonly PolicyCredential[], credential: PolicyCredential): string[] {
  const appId = credential.entra?.appId.toLowerCase();
  if (appId === undefined) return [];
  return credentials.filter((c) => c.name !== credential.name && c.entra?.appId.toLowerCase() === appId).map((c) => c.name);
}

/** Why the app's only password stays after a rotation, and what to do about it (plan, journal and report say the same). */
export function keptSharedPasswordNote(appId: string, others: readonly string[]): string {
  const who = others.map((name) => `credential ${name}`).join(", ");
  return (
    `the app's only password is kept after the overlap: ${who} of the policy also ${others.length === 1 ? "binds" : "bind"} ` +
    `Entra app ${appId} and may hold it. Next step: bind both variables to one rotating credential, or rotate both (each with its own password)`
  );
}
