import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from "jose";
import type { EmulatorReply } from "../../core/emulator.js";
import type { DirectoryApp, DirectoryFederatedCredential } from "../../graph/directory-state.js";
import { oauthError } from "../oauth-errors.js";
import type { IssuerKeys } from "./issuer-keys.js";

/**
 * Entra's client-credentials grant with a federated assertion
 * (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, "Microsoft identity platform and
 * the OAuth 2.0 client credentials flow", third case: a federated credential): the assertion is an external IdP's
 * token; Entra checks its signature against the issuer's published keys, its validity period, and that one of the
 * app's federated identity credentials matches its issuer, subject and audience exactly (Graph
 * federatedIdentityCredential: "the combination of issuer and subject must be unique"; subject and issuer are
 * case-sensitive). Refusals carry Entra's codes (learn.microsoft.com/entra/identity-platform/reference-error-codes):
 *   AADSTS70021   no matching federated identity record (also while a new credential propagates: minutes at worst)
 *   AADSTS700211  no matching record for the assertion's issuer
 *   AADSTS700212  … audience
 *   AADSTS700213  … subject
 *   AADSTS7002138 the subject matches only without regard to case
 *   AADSTS700024  the assertion is not within its valid time range
 *   AADSTS700027  the assertion's signature could not be verified
 * Microsoft warns that the codes change over time: callers decide by class (only 70021 is worth retrying).
 */

export const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export type AssertionCheck = { ok: true; fic: DirectoryFederatedCredential; claims: JWTPayload } | { ok: false; reply: EmulatorReply };

const refuse = (code: number, description: string): AssertionCheck => ({ ok: false, reply: oauthError(400, "invalid_client", code, description) });

const audiencesOf = (aud: JWTPayload["aud"]): string[] => (aud === undefined ? [] : Array.isArray(aud) ? aud : [aud]);

function noRecord(claims: JWTPayload): AssertionCheck {
  return refuse(
    70021,
    `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss ?? ""}'. Assertion Subject: '${claims.sub ?? ""}'. Assertion Audience: '${audiencesOf(claims.aud).join(",")}'.`,
  );
}

/** Checks `assertion` for `app` at `now`; a FIC added less than `propagationDelayMs` ago is not seen yet. */
export async function checkClientAssertion(input: {
  app: DirectoryApp;
  assertion: string;
  issuerKeys: IssuerKeys;
  now: Date;
  propagationDelayMs: number;
}): Promise<AssertionCheck> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(input.assertion);
  } catch {
    return refuse(50027, "JWT token is invalid or malformed.");
  }
  const at = input.now.getTime();
  const fics = input.app.federatedIdentityCredentials;
  if (fics.length === 0 || typeof claims.iss !== "string") return noRecord(claims);
  const byIssuer = fics.filter((f) => f.issuer === claims.iss);
  if (byIssuer.length === 0) return refuse(700211, `No matching federated identity record found for presented assertion issuer '${claims.iss}'.`);

  const keys = await input.issuerKeys(claims.iss);
  if (!keys) return refuse(700027, `Client assertion failed signature validation: the keys of issuer '${claims.iss}' could not be read.`);
  try {
    // Only RS256 is what Entra documents as tested for external issuers.
    await jwtVerify(input.assertion, createLocalJWKSet(keys), { algorithms: ["RS256"], currentDate: input.now, requiredClaims: ["exp", "sub", "aud"] });
  } catch (error) {
    if (error instanceof errors.JWTExpired || (error instanceof errors.JWTClaimValidationFailed && (error.claim === "nbf" || error.claim === "iat"))) {
      const exp = typeof claims.exp === "number" ? new Date(claims.exp * 1000).toISOString() : "none";
      const nbf = typeof claims.nbf === "number" ? new Date(claims.nbf * 1000).toISOString() : "none";
      return refuse(700024, `Client assertion is not within its valid time range. Current time: ${input.now.toISOString()}, assertion valid from ${nbf}, expiry time of assertion ${exp}.`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) return noRecord(claims);
    return refuse(700027, "Client assertion failed signature validation.");
  }

  const subject = typeof claims.sub === "string" ? claims.sub : "";
  const bySubject = byIssuer.filter((f) => f.subject === subject);
  if (bySubject.length === 0) {
    if (byIssuer.some((f) => f.subject.toLowerCase() === subject.toLowerCase())) {
      return refuse(7002138, `No matching federated identity record found for presented assertion subject '${subject}'. Please note that matching is done using a case-sensitive comparison. Check your federated identity credential Subject field for mismatches.`);
    }
    return refuse(700213, `No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  const audiences = audiencesOf(claims.aud);
  const fic = bySubject.find((f) => f.audiences.some((a) => audiences.includes(a)));
  if (!fic) return refuse(700212, `No matching federated identity record found for presented assertion audience '${audiences.join(",")}'.`);
  if (fic.addedAt !== undefined && at - fic.addedAt < input.propagationDelayMs) return noRecord(claims);
  return { ok: true, fic, claims };
}
