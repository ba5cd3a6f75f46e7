import { decodeJwt, decodeProtectedHeader } from "jose";
import type { ObservedFic } from "./federation-plan.js";

/**
 * `watchdog oidc check-token`: what a CircleCI OIDC token a person pasted says, against the federated
 * credentials Entra will match it with (exact issuer, subject and one audience). Claims only: the signature and
 * the token itself are never kept or shown (the token is a bearer credential for an hour).
 */

export interface TokenView {
  alg: string | null;
  iss: string | null;
  sub: string | null;
  aud: string[];
  issuedAt: string | null;
  expiresAt: string | null;
  projectId: string | null;
  contextIds: string[];
  vcsOrigin: string | null;
  vcsRef: string | null;
}

export interface TokenComparison {
  /** Entra would find a federated credential for it (signature and lifetime aside). */
  matches: boolean;
  token: TokenView;
  /** The FIC that matches issuer, subject and audience. */
  matchedFic: string | null;
  checks: Array<{ claim: "iss" | "sub" | "aud" | "exp"; ok: boolean; detail: string }>;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const instant = (seconds: unknown): string | null => (typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null);

/** Null with the reason when `raw` is not a JWT (nothing of it is repeated in the reason). */
export function readToken(raw: string): { ok: true; token: TokenView } | { ok: false; problem: string } {
  const compact = raw.trim().replace(/^Bearer\s+/i, "");
  if (compact.split(".").length !== 3) return { ok: false, problem: "not a JWT: expected three dot-separated parts (paste the value of $CIRCLE_OIDC_TOKEN or the output of circleci run oidc get)" };
  try {
    const claims = decodeJwt(compact);
    const header = decodeProtectedHeader(compact);
    const contextIds = claims["oidc.circleci.com/context-ids"];
    return {
      ok: true,
      token: {
        alg: text(header.alg),
        iss: text(claims.iss),
        sub: text(claims.sub),
        aud: claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud],
        issuedAt: instant(claims.iat),
        expiresAt: instant(claims.exp),
        projectId: text(claims["oidc.circleci.com/project-id"]),
        contextIds: Array.isArray(contextIds) ? contextIds.filter((c): c is string => typeof c === "string") : [],
        vcsOrigin: text(claims["oidc.circleci.com/vcs-origin"]),
        vcsRef: text(claims["oidc.circleci.com/vcs-ref"]),
      },
    };
  } catch {
    return { ok: false, problem: "not a JWT: its header or claims are not base64url-encoded JSON" };
  }
}

/** Compares a token's issuer, subject and audience with the app's FICs as Entra does: exactly (pure). */
export function compareToken(token: TokenView, input: { issuer: string; fics: ObservedFic[]; now: Date }): TokenComparison {
  const checks: TokenComparison["checks"] = [];
  const issuerOk = token.iss === input.issuer;
  checks.push({ claim: "iss", ok: issuerOk, detail: issuerOk ? `${token.iss} is CircleCI's issuer of the organization` : `${token.iss ?? "(none)"} is not ${input.issuer}` });
  const byIssuer = input.fics.filter((f) => f.issuer === token.iss);
  const bySubject = byIssuer.filter((f) => f.subject === token.sub);
  const nearly = byIssuer.find((f) => token.sub !== null && f.subject.toLowerCase() === token.sub.toLowerCase());
  checks.push({
    claim: "sub",
    ok: bySubject.length > 0,
    detail:
      bySubject.length > 0
        ? `${token.sub} is federated by ${bySubject.map((f) => f.name).join(", ")}`
        : nearly
          ? `${token.sub ?? "(none)"} matches ${nearly.name} only without regard to case; Entra compares exactly`
          : `${token.sub ?? "(none)"} is not the subject of any federated credential of the app (${byIssuer.length} with this issuer)`,
  });
  const matched = bySubject.find((f) => f.audiences.some((a) => token.aud.includes(a)));
  const wanted = [...new Set(bySubject.flatMap((f) => f.audiences))];
  checks.push({
    claim: "aud",
    ok: matched !== undefined,
    detail: matched
      ? `${token.aud.join(", ")} includes ${matched.audiences.join(", ")}`
      : `${token.aud.join(", ") || "(none)"}${wanted.length ? `, but the federated credential wants ${wanted.join(", ")}` : ": no federated credential of this subject to compare with"}`,
  });
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= input.now.getTime();
  checks.push({ claim: "exp", ok: token.expiresAt !== null && !expired, detail: token.expiresAt === null ? "no expiry" : `${expired ? "expired" : "expires"} at ${token.expiresAt}` });
  return { matches: issuerOk && matched !== undefined, token, matchedFic: matched?.name ?? null, checks };
}
