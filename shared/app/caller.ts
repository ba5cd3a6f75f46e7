import { parseClientPrincipal } from "./client-principal.js";

/** The Entra app role a caller needs to rotate when App Service authentication is on (contract §4). */
export const rotateRole = "Watchdog.Rotate";

/** The Entra app role a caller needs to read (plan, inventory, report) when App Service authentication is on. */
export const readRole = "Watchdog.Read";

/** Who may do what: any one of the roles listed suffices (the first is the one to assign; the others imply it). */
export const rotateRoles: readonly string[] = [rotateRole];
export const readerRoles: readonly string[] = [readRole, rotateRole];

export const clientPrincipalHeader = "x-ms-client-principal";

export interface Caller {
  /** The audit actor: `http:<principal name>`, or `http:function-key` when only the function key vouches for the caller. */
  actor: string;
  /** Authenticated by App Service authentication (not only the function key). */
  viaEasyAuth: boolean;
}

export type CallerCheck =
  | { ok: true; caller: Caller }
  | { ok: false; status: 400 | 401 | 403; code: "invalid-principal" | "unauthenticated" | "forbidden"; message: string };

/**
 * Whether App Service authentication is on. The platform injects WEBSITE_AUTH_ENABLED (read-only, "True")
 * into the app when it is; it is not something the app's own settings should fake.
 */
export function easyAuthEnabled(env: Record<string, string | undefined>): boolean {
  const value = env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase();
  return value === "true" || value === "1";
}

function describeRoles(roles: readonly string[]): string {
  const [first, ...implying] = roles;
  return implying.length === 0 ? `the app role ${first}` : `the app role ${first} (or ${implying.join(" or ")}, which implies it)`;
}

/**
 * Who is calling an HTTP function, and may they do what any of `roles` allows? The function key has already
 * been checked by the host (authLevel function). With App Service authentication on, the caller must also carry
 * a principal holding one of `roles` (exactly, case included). With it off, the principal header is ignored:
 * nothing strips it then, so anyone could forge it.
 */
export function checkCaller(principalHeader: string | null | undefined, env: Record<string, string | undefined>, roles: readonly string[]): CallerCheck {
  if (!easyAuthEnabled(env)) return { ok: true, caller: { actor: "http:function-key", viaEasyAuth: false } };
  if (principalHeader === null || principalHeader === undefined || principalHeader.trim() === "") {
    return { ok: false, status: 401, code: "unauthenticated", message: "App Service authentication is on and the request carries no authenticated principal: sign in (or send an Entra token) first" };
  }
  const parsed = parseClientPrincipal(principalHeader);
  if (!parsed.ok) return { ok: false, status: 400, code: "invalid-principal", message: `the ${clientPrincipalHeader} header is invalid: ${parsed.problem}` };
  if (!roles.some((role) => parsed.principal.roles.includes(role))) {
    return { ok: false, status: 403, code: "forbidden", message: `the caller does not hold ${describeRoles(roles)}` };
  }
  return { ok: true, caller: { actor: `http:${parsed.principal.name}`, viaEasyAuth: true } };
}
