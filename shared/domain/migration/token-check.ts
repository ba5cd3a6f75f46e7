import { decodeJwt, decodeProtectedHeader } from "jose";
import { jobClaims, type CircleCiJobClaims } from "../broker/claims.js";
import { evaluateAllow, type ResolvedAllow } from "../broker/rules.js";
import type { BrokerFederation } from "./broker-federation.js";
import type { ObservedFic } from "./federation-plan.js";
import { brokerRoleSubject } from "./subjects.js";

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
  sshRerun: boolean | null;
}

export interface TokenComparison {
  /**
   * Entra would find a federated credential for it (signature and lifetime aside); in oidc.mode: broker, the broker
   * would exchange it for the credential's role and Entra would find one for the broker's token of that role.
   */
  matches: boolean;
  token: TokenView;
  /** The FIC that matches issuer, subject and audience (in broker mode: the role's). */
  matchedFic: string | null;
  /** In oidc.mode: broker, the role the token was held against. */
  brokerRole?: string;
  checks: Array<{ claim: "iss" | "sub" | "aud" | "exp" | "role" | "fic"; ok: boolean; detail: string }>;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const instant = (seconds: unknown): string | null => (typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null);

/** Null with the reason when `raw` is not a JWT (nothing of it is repeated in the reason). */
export function readToken(raw: string): { ok: true; token: TokenView; job: CircleCiJobClaims } | { ok: false; problem: string } {
  const compact = raw.trim().replace(/^Bearer\s+/i, "");
  if (compact.split(".").length !== 3) return { ok: false, problem: "not a JWT: expected three dot-separated parts (paste the value of $CIRCLE_OIDC_TOKEN or the output of circleci run oidc get)" };
  try {
    const claims = decodeJwt(compact);
    const header = decodeProtectedHeader(compact);
    const contextIds = claims["oidc.circleci.com/context-ids"];
    const job = jobClaims(claims);
    return {
      ok: true,
      job,
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
        sshRerun: job.sshRerun ?? null,
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
  checks.push(expiryCheck(token, input.now));
  return { matches: issuerOk && matched !== undefined, token, matchedFic: matched?.name ?? null, checks };
}

function expiryCheck(token: TokenView, now: Date): TokenComparison["checks"][number] {
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime();
  return { claim: "exp", ok: token.expiresAt !== null && !expired, detail: token.expiresAt === null ? "no expiry" : `${expired ? "expired" : "expires"} at ${token.expiresAt}` };
}

export interface BrokerTokenInput {
  /** CircleCI's issuer of the organization: the broker takes tokens from it alone. */
  circleciIssuer: string;
  broker: BrokerFederation;
  /** The role's rules with slugs and context names resolved, or why they could not be (the role is then refused). */
  allow: { ok: true; rules: ResolvedAllow } | { ok: false; problem: string };
  /** The audience of the role's federated credential (the broker's tokens carry Entra's exchange audience). */
  ficAudience: string;
  fics: ObservedFic[];
  now: Date;
}

/**
 * In oidc.mode: broker a job's CircleCI token never reaches Entra: the broker checks it (issuer, exactly its
 * audience, expiry, every rule of the role) and Entra then checks the broker's token against the role's federated
 * credential. Both halves, as each would decide them (pure; the signature is not verified here).
 */
export function compareBrokerToken(token: TokenView, job: CircleCiJobClaims, input: BrokerTokenInput): TokenComparison {
  const { broker } = input;
  const checks: TokenComparison["checks"] = [];
  const issuerOk = token.iss === input.circleciIssuer;
  checks.push({ claim: "iss", ok: issuerOk, detail: issuerOk ? `${token.iss} is CircleCI's issuer of the organization` : `${token.iss ?? "(none)"} is not ${input.circleciIssuer}` });
  const audienceOk = token.aud.length === 1 && token.aud[0] === broker.audience;
  checks.push({
    claim: "aud",
    ok: audienceOk,
    detail: audienceOk
      ? `${broker.audience} is exactly the broker's audience`
      : `${token.aud.join(", ") || "(none)"}, but the broker takes exactly ${broker.audience} (the job asks: circleci run oidc get --claims '{"aud":"${broker.audience}"}')`,
  });
  checks.push(expiryCheck(token, input.now));
  if (!input.allow.ok) {
    checks.push({ claim: "role", ok: false, detail: `role ${broker.role}: ${input.allow.problem}` });
  } else {
    const decision = evaluateAllow(input.allow.rules, job);
    checks.push({ claim: "role", ok: decision.granted, detail: decision.granted ? `the job passes every rule of role ${broker.role}` : `role ${broker.role} refuses it by rule ${decision.rule}: ${decision.reason}` });
  }
  const subject = brokerRoleSubject(broker.role);
  const fic = input.fics.find((f) => f.issuer === broker.issuer && f.subject === subject && f.audiences.includes(input.ficAudience));
  checks.push({
    claim: "fic",
    ok: fic !== undefined,
    detail: fic
      ? `the broker's token of ${subject} is federated by ${fic.name}`
      : `no federated credential of the app trusts ${broker.issuer} for ${subject} with audience ${input.ficAudience} (watchdog migrate creates it)`,
  });
  return { matches: checks.every((c) => c.ok), token, matchedFic: fic?.name ?? null, brokerRole: broker.role, checks };
}
