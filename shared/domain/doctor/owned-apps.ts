import type { PolicyCredential } from "../policy/index.js";

const key = (appId: string) => appId.toLowerCase();

/**
 * The app registrations the watchdog changes (action: rotate or oidc), keyed by client id in lower case (a GUID
 * in any case is the same app), with the credentials that bind each: Application.ReadWrite.OwnedBy changes only
 * apps whose owners include the watchdog's service principal.
 */
export function appsToOwn(credentials: readonly PolicyCredential[]): Map<string, PolicyCredential[]> {
  const byApp = new Map<string, PolicyCredential[]>();
  for (const c of credentials) if ((c.action === "rotate" || c.action === "oidc") && c.entra) byApp.set(key(c.entra.appId), [...(byApp.get(key(c.entra.appId)) ?? []), c]);
  return byApp;
}

/** Apps the policy binds only with action: watch: read, never changed, so the watchdog need not own them. */
export function appsOnlyWatched(credentials: readonly PolicyCredential[]): Map<string, PolicyCredential[]> {
  const owned = appsToOwn(credentials);
  const byApp = new Map<string, PolicyCredential[]>();
  for (const c of credentials) if (c.action === "watch" && c.entra && !owned.has(key(c.entra.appId))) byApp.set(key(c.entra.appId), [...(byApp.get(key(c.entra.appId)) ?? []), c]);
  return byApp;
}
