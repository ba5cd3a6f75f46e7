import { checkCaller, clientPrincipalHeader, readerRoles } from "./caller.js";
import { booleanParameter, checkQuery } from "./http-query.js";

export type ReadRequestCheck =
  | { ok: true; refresh: boolean; actor: string }
  | { ok: false; status: 400 | 401 | 403; code: string; message: string };

/**
 * GET /api/plan, /api/inventory, /api/report: may the caller read (the rules of `rotate`, with the app role
 * Watchdog.Read or Watchdog.Rotate), and did they ask for a refresh (`?refresh=true`)? Who is asking is
 * checked first, so that a caller who may not read learns nothing from the answer about the query.
 */
export function checkReadRequest(request: { headers: { get(name: string): string | null }; query: URLSearchParams }, env: Record<string, string | undefined>): ReadRequestCheck {
  const who = checkCaller(request.headers.get(clientPrincipalHeader), env, readerRoles);
  if (!who.ok) return who;
  const query = checkQuery(request.query, { refresh: booleanParameter }, "refresh=true|false");
  if (!query.ok) return { ok: false, status: 400, code: query.code, message: query.message };
  return { ok: true, refresh: query.query.refresh === "true", actor: who.caller.actor };
}
