import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from "jose";
import type { TokenRule } from "../../domain/broker/refusal.js";
import { CircleCiKeysUnavailableError, type CircleCiTokenCheck, type CircleCiTokenVerifier } from "../../ports/circleci-oidc.js";

export interface CircleCiTokenVerifierOptions {
  orgId: string;
  /** The only audience accepted (the broker's): the org-id default, or any other relying party's, is refused. */
  audience: string;
  /** Where CircleCI's OIDC documents are read (CIRCLECI_OIDC_URL); the issuer checked stays CircleCI's own. */
  oidcUrl: string;
  /** Leeway for exp/nbf/iat between CircleCI's clock and ours. */
  clockToleranceSeconds?: number;
}

/** CircleCI's documented issuer of an organization's tokens: compared exactly, never derived from where keys are read. */
export const circleciIssuerOf = (orgId: string) => `https://oidc.circleci.com/org/${orgId}`;

const refuse = (rule: TokenRule, reason: string): CircleCiTokenCheck => ({ ok: false, refusal: { rule, reason } });

/**
 * Verifies with jose against the organization's JWKS (`<org issuer>/.well-known/jwks-pub.json`, CircleCI's
 * discovery document names it). jose caches the key set (10 min) and re-reads it when a token names an unknown
 * `kid` (at most every 30 s), so a CircleCI key roll is picked up without a restart.
 */
export function createCircleCiTokenVerifier(options: CircleCiTokenVerifierOptions): CircleCiTokenVerifier {
  const issuer = circleciIssuerOf(options.orgId);
  const jwksUrl = new URL(`${options.oidcUrl.replace(/\/+$/, "")}/org/${encodeURIComponent(options.orgId)}/.well-known/jwks-pub.json`);
  const keys = createRemoteJWKSet(jwksUrl, { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  const clockTolerance = options.clockToleranceSeconds ?? 60;

  return {
    async verify(token, now) {
      let unverified: Record<string, unknown>;
      try {
        unverified = decodeJwt(token);
      } catch {
        return refuse("token", "not a readable JWT");
      }
      // Triage before any key is fetched: another issuer's token is refused without reading anyone's keys.
      if (unverified.iss !== issuer) return refuse("issuer", "the token is not from this CircleCI organization's issuer");
      try {
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ["RS256"],
          issuer,
          audience: options.audience,
          currentDate: now,
          clockTolerance,
          requiredClaims: ["exp", "iat", "sub", "aud"],
        });
        // Exactly the broker's audience: a token that also names another relying party was minted for it as well.
        const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (audiences.length !== 1 || audiences[0] !== options.audience) return refuse("audience", "the token's audience is not exactly the broker's");
        if (typeof payload.iat === "number" && payload.iat > now.getTime() / 1000 + clockTolerance) return refuse("not-yet-valid", "the token was issued in the future");
        return { ok: true, token: { payload: payload as Record<string, unknown>, exp: payload.exp! } };
      } catch (error) {
        if (error instanceof errors.JWTExpired) return refuse("expired", "the token has expired");
        if (error instanceof errors.JWTClaimValidationFailed) {
          if (error.claim === "aud") return refuse("audience", "the token was not asked for the broker's audience");
          if (error.claim === "iss") return refuse("issuer", "the token is not from this CircleCI organization's issuer");
          if (error.claim === "nbf" || error.claim === "iat") return refuse("not-yet-valid", "the token is not valid yet");
          return refuse("token", `the token lacks a required claim (${error.claim})`);
        }
        if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
          return refuse("signature", "the token's signature does not verify with the organization's published keys");
        }
        if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
          return refuse("token", "not an RS256-signed JWT");
        }
        if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof errors.JOSEError) {
          throw new CircleCiKeysUnavailableError(error instanceof errors.JWKSTimeout ? "timed out" : "the key set is invalid");
        }
        // fetch failures (DNS, TLS, HTTP status): our words only.
        throw new CircleCiKeysUnavailableError("the request failed");
      }
    },
  };
}
