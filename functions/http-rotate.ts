// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { ManualRotation } from "#shared/app/watchdog.js";

// The app (SDKs, engine, zod) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");
type App = Awaited<ReturnType<typeof loadApp>>;

const maxBodyLength = 1_024;

type Input = { ok: true; name: string; dryRun: boolean } | { ok: false; code: string; message: string };

/** Name, query and body, checked without ever echoing what the caller sent (a body could hold a secret). */
async function readInput(request: HttpRequest, { z, credentialName, checkQuery, booleanParameter, issuesOf }: App): Promise<Input> {
  // Built per request from the app's zod (microseconds), so that loading this entry never loads zod.
  // The request carries no options in its body; a client sending JSON may send an empty object.
  const bodySchema = z.strictObject({});

  const name = credentialName.safeParse(request.params.name);
  if (!name.success) return { ok: false, code: "invalid-name", message: `credential name: ${issuesOf(name.error)} (at most 120)` };

  const query = checkQuery(request.query, { dryRun: booleanParameter }, "dryRun=true|false");
  if (!query.ok) return query;

  const text = await request.text();
  if (text.trim() !== "") {
    let json: unknown;
    try {
      json = text.length > maxBodyLength ? undefined : (JSON.parse(text) as unknown);
    } catch {
      json = undefined;
    }
    if (!bodySchema.safeParse(json).success) return { ok: false, code: "invalid-body", message: "body: expected none or an empty JSON object {}" };
  }
  return { ok: true, name: name.data, dryRun: query.query.dryRun === "true" };
}

/**
 * 200 plan (dry run) or finished outcome; 202 the new secret is live and the rotation waits out its overlap
 * before a timer cycle retires the old one; 409 another run holds the lease; 502 a step failed.
 */
function rotationResponse(answer: ManualRotation, { isBusy, problem }: App): HttpResponseInit {
  if (answer.dryRun) return { status: 200, jsonBody: answer };
  const outcome = answer.outcome;
  if (isBusy(outcome)) return problem(409, "already-rotating", outcome.message, { credential: outcome.credential, heldBy: outcome.heldBy, ...(outcome.until ? { until: outcome.until } : {}) });
  if (outcome.failure) {
    const { step, message } = outcome.failure;
    return { status: 502, jsonBody: { error: { code: "rotation-failed", message: `rotation of ${outcome.credential} stopped at step "${step}": ${message}`, step, credential: outcome.credential }, outcome } };
  }
  return { status: outcome.waitingUntil ? 202 : 200, jsonBody: answer };
}

/** POST /api/credentials/{name}/rotate[?dryRun=true]: manual rotation of one policy credential, `watchdog rotate`. */
export async function rotateHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const loaded = await loadApp();
  const { checkCaller, clientPrincipalHeader, rotateRoles, openWatchdog, requestRotation, UnknownCredentialError, errorResponse, problem } = loaded;
  const who = checkCaller(request.headers.get(clientPrincipalHeader), process.env, rotateRoles);
  if (!who.ok) return problem(who.status, who.code, who.message);
  const input = await readInput(request, loaded);
  if (!input.ok) return problem(400, input.code, input.message);
  try {
    const watchdog = await openWatchdog(process.env);
    const answer = await requestRotation(watchdog, input.name, { actor: who.caller.actor, dryRun: input.dryRun });
    const response = rotationResponse(answer, loaded);
    context.log(`rotate ${input.name}${input.dryRun ? " (dry run)" : ""} asked by ${who.caller.actor}: ${response.status}`);
    return response;
  } catch (error) {
    if (error instanceof UnknownCredentialError) {
      return error.reason === "not-found"
        ? problem(404, "unknown-credential", `credential "${input.name}" is not in the policy`)
        : problem(409, "not-rotated", `credential "${input.name}" is not rotated by the watchdog (only action: rotate credentials are)`);
    }
    return errorResponse(error, context);
  }
}

export const rotateRegistration: HttpFunctionOptions = {
  methods: ["POST"],
  route: "credentials/{name}/rotate",
  authLevel: "function",
  handler: rotateHandler,
};

app.http("rotate", rotateRegistration);
