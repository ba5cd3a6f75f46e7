import { createHmac, randomBytes, randomUUID } from "node:crypto";

export interface TokenClaims {
  aud: string;
  tid: string;
  appid: string;
  oid?: string;
  /** Application permissions (app roles) granted to the caller, as Entra puts them in app-only tokens. */
  roles?: string[];
  iat: number;
  exp: number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Access tokens shared by the Entra emulator (which issues them) and the Graph and Key Vault emulators
 * (which check them): JWT-shaped, HMAC-signed with a key that lives only in this process.
 */
export class TokenRegistry {
  private readonly key = randomBytes(32);
  /** Seconds; a short lifetime lets tests see refreshes. */
  constructor(private readonly lifetimeSeconds = 3600) {}

  issue(claims: { audience: string; tenantId: string; appId: string; objectId?: string; roles?: string[] }, now = Date.now()): {
    token: string;
    expiresOn: number;
    expiresIn: number;
  } {
    const iat = Math.floor(now / 1000);
    const payload: TokenClaims & { jti: string } = {
      aud: claims.audience,
      tid: claims.tenantId,
      appid: claims.appId,
      oid: claims.objectId,
      ...(claims.roles && claims.roles.length > 0 ? { roles: claims.roles } : {}),
      iat,
      exp: iat + this.lifetimeSeconds,
      jti: randomUUID(),
    };
    const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}`;
    const signature = createHmac("sha256", this.key).update(unsigned).digest("base64url");
    return { token: `${unsigned}.${signature}`, expiresOn: payload.exp, expiresIn: this.lifetimeSeconds };
  }

  /**
   * Claims of a valid, unexpired token for one of `audiences` (a resource URI, with or without
   * "/.default" or a trailing slash), or null.
   */
  verify(authorization: string | undefined, audiences: string[], now = Date.now()): TokenClaims | null {
    const token = authorization?.replace(/^Bearer\s+/i, "");
    if (!token) return null;
    const [header, payload, signature] = token.split(".");
    if (!header || !payload || !signature) return null;
    const expected = createHmac("sha256", this.key).update(`${header}.${payload}`).digest("base64url");
    if (expected !== signature) return null;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
    if (claims.exp * 1000 <= now) return null;
    const normalize = (a: string) => a.replace(/\/\.default$/, "").replace(/\/$/, "");
    return audiences.map(normalize).includes(normalize(claims.aud)) ? claims : null;
  }
}
