import type { EmulatorReply, EmulatorRequest } from "../core/emulator.js";
import type { TokenRegistry } from "../core/tokens.js";
import { keyVaultError } from "./wire.js";

export const keyVaultResource = "https://vault.azure.net";

export interface ChallengeSettings {
  tokens: TokenRegistry;
  tenantId: string;
  /** Where the challenge sends clients for a token: `<authorityHost>/<tenant>`. */
  authorityHost: string;
}

function audienceOf(authorization: string): string | undefined {
  const payload = authorization.replace(/^Bearer\s+/i, "").split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { aud?: unknown };
    return typeof claims.aud === "string" ? claims.aud : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Key Vault's bearer challenge. It is answered from the headers alone — the request body is never read —
 * because the SDK's first request is deliberately token-less and body-less, and it sends the body only
 * after it has the token this challenge tells it how to get.
 */
export function challenge(req: EmulatorRequest, settings: ChallengeSettings): EmulatorReply | undefined {
  const header = `Bearer authorization="${settings.authorityHost}/${settings.tenantId}", resource="${keyVaultResource}"`;
  const refuse = (message: string): EmulatorReply => {
    const reply = keyVaultError(401, message, "Unauthorized");
    return { ...reply, headers: { ...(reply.headers ?? {}), "www-authenticate": header } };
  };
  const authorization = req.headers.authorization;
  if (!authorization || !/^Bearer\s+\S/i.test(authorization)) {
    return refuse("AKV10000: Request is missing a Bearer or PoP token.");
  }
  const claims = settings.tokens.verify(authorization, [keyVaultResource]);
  if (!claims) {
    const audience = audienceOf(authorization);
    if (audience && settings.tokens.verify(authorization, [audience])) {
      return refuse(`AKV10022: Invalid audience. Expected ${keyVaultResource}, found: ${audience}.`);
    }
    return refuse("AKV10013: Token validation failed: the token is expired or its signature is invalid.");
  }
  if (claims.tid.toLowerCase() !== settings.tenantId.toLowerCase()) {
    return refuse(
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${settings.tenantId}/, found https://sts.windows.net/${claims.tid}/.`,
    );
  }
  return undefined;
}
