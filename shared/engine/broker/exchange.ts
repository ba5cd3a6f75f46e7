import { createHash } from "node:crypto";
import { brokerTokenClaims } from "../../domain/broker/broker-token.js";
import { jobClaims, type CircleCiJobClaims } from "../../domain/broker/claims.js";
import type { Refusal } from "../../domain/broker/refusal.js";
import { evaluateAllow } from "../../domain/broker/rules.js";
import { CircleCiKeysUnavailableError, type CircleCiTokenVerifier } from "../../ports/circleci-oidc.js";
import type { StateStore } from "../../ports/state-store.js";
import type { BrokerKeys } from "./broker-keys.js";
import { countUp } from "./bounded-count.js";
import type { ResolvedRole } from "./resolve-roles.js";

export interface BrokerLimits {
  exchangesPerToken: number;
  /** Exchanges answered per minute by all instances together (Key Vault's signing has its own limits). */
  ratePerMinute: number;
  /** Refusals within `refusalWindowMs` that raise one alert. */
  refusalAlertThreshold: number;
  refusalWindowMs: number;
}

export interface ExchangeDependencies {
  issuer: string;
  roles: readonly ResolvedRole[];
  limits: BrokerLimits;
  verifier: CircleCiTokenVerifier;
  keys: BrokerKeys;
  state: StateStore;
  newId: () => string;
  /** Called once when a window's refusals reach the threshold (the alert is the caller's: it knows the sinks). */
  onRefusalBurst: (burst: { windowStart: Date; refusals: number }) => Promise<void>;
}

export interface ExchangeRequest {
  token: string;
  role: string;
}

export type ExchangeOutcome =
  | { ok: true; token: string; role: string; expiresAt: Date; tokenId: string }
  | { ok: false; status: 401 | 403 | 429 | 503; refusal: Refusal; retryAfterSeconds?: number };

/** Who the audit names: ids from the verified token only (never the token, never an unverified claim). */
function jobOf(claims: CircleCiJobClaims | undefined): Record<string, string | null> {
  if (!claims) return { project: null, user: null, branch: null };
  const user = claims.sub ? (/\/user\/([^/]+)/.exec(claims.sub)?.[1] ?? null) : null;
  return { project: claims.projectId ?? null, user, branch: claims.vcsRef ?? null, vcsOrigin: claims.vcsOrigin ?? null };
}

/** The key of a CircleCI token's exchange counter: tokens carry no jti, so a hash of the whole token (never the token). */
export const tokenCounterKey = (token: string) => `exchanges/${createHash("sha256").update(token).digest("base64url")}`;

const windowStart = (now: Date, ms: number) => new Date(Math.floor(now.getTime() / ms) * ms);

/**
 * One exchange of a CircleCI OIDC token for a broker token of a role: the shared rate window, the token's own
 * checks (signature, issuer, audience, times), the per-token exchange count, then every allow rule of the role.
 * Each outcome but a rate-limited one is audited; a burst of refusals raises one alert per window.
 */
export async function exchangeToken(deps: ExchangeDependencies, request: ExchangeRequest, now: Date): Promise<ExchangeOutcome> {
  const minute = windowStart(now, 60_000);
  const inMinute = await countUp(deps.state, `rate/${minute.toISOString()}`, new Date(minute.getTime() + 120_000));
  if (inMinute > deps.limits.ratePerMinute) {
    const retryAfterSeconds = Math.max(1, Math.ceil((minute.getTime() + 60_000 - now.getTime()) / 1000));
    return { ok: false, status: 429, refusal: { rule: "rateLimit", reason: `more than ${deps.limits.ratePerMinute} exchanges this minute` }, retryAfterSeconds };
  }

  const refuse = async (status: 401 | 403 | 503, refusal: Refusal, claims?: CircleCiJobClaims): Promise<ExchangeOutcome> => {
    await deps.state.appendAudit({ at: now.toISOString(), event: "broker.refused", actor: "broker", subject: request.role, details: { ...jobOf(claims), role: request.role, rule: refusal.rule, reason: refusal.reason } });
    const windowAt = windowStart(now, deps.limits.refusalWindowMs);
    const refusals = await countUp(deps.state, `refusals/${windowAt.toISOString()}`, new Date(windowAt.getTime() + 2 * deps.limits.refusalWindowMs));
    if (refusals === deps.limits.refusalAlertThreshold) await deps.onRefusalBurst({ windowStart: windowAt, refusals });
    return { ok: false, status, refusal };
  };

  let verified;
  try {
    verified = await deps.verifier.verify(request.token, now);
  } catch (error) {
    if (error instanceof CircleCiKeysUnavailableError) return refuse(503, { rule: "circleciKeys", reason: error.message });
    throw error;
  }
  if (!verified.ok) return refuse(401, verified.refusal);
  const claims = jobClaims(verified.token.payload);

  const exchanges = await countUp(deps.state, tokenCounterKey(request.token), new Date(verified.token.exp * 1000));
  if (exchanges > deps.limits.exchangesPerToken) {
    return refuse(403, { rule: "exchangesPerToken", reason: `this CircleCI token was already exchanged ${deps.limits.exchangesPerToken} times` }, claims);
  }
  const role = deps.roles.find((r) => r.name === request.role);
  if (!role) return refuse(403, { rule: "role", reason: "the broker's policy has no role of that name" }, claims);
  const decision = evaluateAllow(role.allow, claims);
  if (!decision.granted) return refuse(403, { rule: decision.rule, reason: decision.reason }, claims);

  const tokenId = deps.newId();
  const brokerClaims = brokerTokenClaims({ issuer: deps.issuer, role: role.name, circleciExp: verified.token.exp, now, jti: tokenId });
  const token = await deps.keys.sign(brokerClaims, now);
  const expiresAt = new Date(brokerClaims.exp * 1000);
  await deps.state.appendAudit({
    at: now.toISOString(),
    event: "broker.issued",
    actor: "broker",
    subject: role.name,
    details: { ...jobOf(claims), role: role.name, appId: role.appId, tokenId, expiresAt: expiresAt.toISOString() },
  });
  return { ok: true, token, role: role.name, expiresAt, tokenId };
}
