import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { ExchangeOutcome } from "../engine/broker/index.js";
import { BrokerNotConfiguredError, openBroker } from "./broker.js";
import { readExchangeBody } from "./broker-request.js";
import { errorResponse, problem } from "./http-errors.js";

// Tokens and key sets must never be cached by a proxy between a pipeline (or Entra) and the broker.
const noStore = { "Cache-Control": "no-store" } as const;

/** The broker's answer to an exchange: the token, or the rule that refused it (never the presented token). */
export function exchangeAnswer(outcome: ExchangeOutcome): HttpResponseInit {
  if (outcome.ok) {
    return { status: 200, headers: noStore, jsonBody: { token: outcome.token, role: outcome.role, expiresAt: outcome.expiresAt.toISOString(), tokenId: outcome.tokenId } };
  }
  const answer = problem(outcome.status, "refused", `refused by rule ${outcome.refusal.rule}: ${outcome.refusal.reason}`, { rule: outcome.refusal.rule });
  return { ...answer, headers: { ...noStore, ...(outcome.retryAfterSeconds !== undefined ? { "Retry-After": String(outcome.retryAfterSeconds) } : {}) } };
}

function failure(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof BrokerNotConfiguredError) return problem(404, "not-found", "the OIDC broker is not configured here");
  return errorResponse(error, context);
}

/** GET <issuer>/.well-known/openid-configuration. */
export async function brokerDiscoveryAnswer(context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const broker = await openBroker(process.env, { host: "functions" });
    return { status: 200, headers: { "Cache-Control": "public, max-age=300" }, jsonBody: broker.discovery() };
  } catch (error) {
    return failure(error, context);
  }
}

/** GET <issuer>/keys: the published versions of the broker's key (public parts only). */
export async function brokerKeysAnswer(context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const broker = await openBroker(process.env, { host: "functions" });
    return { status: 200, headers: { "Cache-Control": "public, max-age=300" }, jsonBody: await broker.jwks() };
  } catch (error) {
    return failure(error, context);
  }
}

/** POST <issuer>/token: `token` (the CircleCI OIDC token) and `role`, form-encoded or JSON. */
export async function brokerTokenAnswer(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = readExchangeBody(request.headers.get("content-type"), await request.text());
  if (!body.ok) return { ...problem(400, "invalid-request", "the request is not an exchange: token and role are required", { issues: body.issues }), headers: noStore };
  try {
    const broker = await openBroker(process.env, { host: "functions" });
    const outcome = await broker.exchange(body.body);
    if (outcome.ok) context.info(`broker: issued ${outcome.role} token ${outcome.tokenId}`);
    else context.warn(`broker: refused (${outcome.refusal.rule})`);
    return exchangeAnswer(outcome);
  } catch (error) {
    return failure(error, context);
  }
}
