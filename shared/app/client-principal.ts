import { z } from "zod";

/**
 * The caller as App Service authentication ("Easy Auth") describes it in `x-ms-client-principal`: Base64 of
 * JSON `{auth_typ, name_typ, role_typ, claims: [{typ, val}]}`. The platform strips this header from incoming
 * requests and sets its own, so it can be trusted only while authentication is on.
 */
export interface ClientPrincipal {
  authType?: string;
  /** Who the audit log names: the claim `name_typ` points at, or a well-known fallback. */
  name: string;
  roles: string[];
}

// Generous bounds: a real principal is a few KiB; anything far larger is not one.
const maxHeaderLength = 32 * 1024;
const claimSchema = z.object({ typ: z.string().max(1_000), val: z.string().max(8_000) });
const principalSchema = z.object({
  auth_typ: z.string().max(200).optional(),
  name_typ: z.string().max(1_000).optional(),
  role_typ: z.string().max(1_000).optional(),
  claims: z.array(claimSchema).max(1_000),
});

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
// Entra tokens without a name claim (app-only callers) still carry these; the first one present names the caller.
const fallbackNameClaims = ["name", "preferred_username", "upn", "email", "oid", "http://schemas.microsoft.com/identity/claims/objectidentifier", "azp", "appid"];
const maxNameLength = 120;

export type PrincipalParse = { ok: true; principal: ClientPrincipal } | { ok: false; problem: string };

/** Parses the header; a problem never repeats the header's content. */
export function parseClientPrincipal(header: string): PrincipalParse {
  const text = header.trim();
  if (text.length > maxHeaderLength) return { ok: false, problem: `longer than ${maxHeaderLength} characters` };
  if (!base64.test(text) || text.length % 4 === 1) return { ok: false, problem: "not Base64" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as unknown;
  } catch {
    return { ok: false, problem: "not Base64-encoded JSON" };
  }
  const parsed = principalSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(principal)"}: ${issue.message}`).join("; ");
    return { ok: false, problem: `not a client principal (${where})` };
  }
  const { auth_typ: authType, name_typ: nameType, role_typ: roleType, claims } = parsed.data;
  const roleTypes = new Set(["roles", ...(roleType ? [roleType] : [])]);
  const roles = claims.filter((c) => roleTypes.has(c.typ)).map((c) => c.val);
  const nameClaim = [...(nameType ? [nameType] : []), ...fallbackNameClaims]
    .map((typ) => claims.find((c) => c.typ === typ && c.val.trim() !== ""))
    .find((c) => c !== undefined);
  return { ok: true, principal: { ...(authType ? { authType } : {}), name: printableName(nameClaim?.val ?? "unknown-principal"), roles } };
}

/** A name fit for one audit field and a log line: no control characters (no forged log lines), bounded length. */
function printableName(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "").trim();
  return (clean === "" ? "unknown-principal" : clean).slice(0, maxNameLength);
}
