import { z } from "zod";
import type { CallerIdentity } from "../../ports/directory.js";

const claimsSchema = z.object({ oid: z.string().optional(), roles: z.array(z.string()).optional() });

/**
 * The `oid` and `roles` claims of an app-only access token. The token is not verified here (Graph does that):
 * it is the watchdog's own, just issued, and read only to say which permissions it carries. Nothing of the
 * token is ever returned or logged beyond those claims.
 */
export function readCallerIdentity(accessToken: string): CallerIdentity {
  const payload = accessToken.split(".")[1];
  if (!payload) return { principalId: null, roles: [] };
  let claims: z.infer<typeof claimsSchema>;
  try {
    const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    if (!parsed.success) return { principalId: null, roles: [] };
    claims = parsed.data;
  } catch {
    return { principalId: null, roles: [] };
  }
  return { principalId: claims.oid ?? null, roles: claims.roles ?? [] };
}
