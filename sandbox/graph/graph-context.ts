import type { Emulator, EmulatorReply, EmulatorRequest, RouteHandler } from "../core/emulator.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryApp, DirectoryState } from "./directory-state.js";
import { graphBadRequest, graphError, graphNotFound } from "./graph-errors.js";

export const graphAudience = "https://graph.microsoft.com";

/** What every Graph route needs. `host` is filled in once the HTTPS emulator exists ($batch re-dispatches through it). */
export interface GraphContext {
  state: DirectoryState;
  tokens: TokenRegistry;
  /** Largest page the emulator answers, whatever `$top` asks for. */
  maxPageSize: number;
  host: { emulator?: Emulator };
  /** Read on every request, so tests can change them at any time. */
  knobs: GraphKnobs;
}

/**
 * How Graph answers a removal (removePassword, DELETE of a federated credential) whose target is not there.
 * Microsoft documents neither answer; both a 404 `Request_ResourceNotFound` and a 400 are reported, in
 * wordings that change. "sandbox-wording": this emulator's historical answers (400 "No password credential
 * found with keyId …"; 404 for a federated credential). "not-found": 404 `Request_ResourceNotFound` for both.
 * "other-wording": 400 `Request_BadRequest` with a message that names nothing recognisable.
 */
export type MissingCredentialAnswer = "sandbox-wording" | "not-found" | "other-wording";

/**
 * How Graph refuses an addPassword that an app management policy forbids. Microsoft documents no error code for
 * it; a public report quotes a 400 "Credential lifetime exceeds the max value allowed as per assigned policy
 * <policy id>" (KelvinTegelaar/CIPP-API#1970). "policy-wording": 400 Request_BadRequest in those words (and the
 * like for a blocked addition); "generic": 400 BadRequest "One or more properties contains invalid values." —
 * the product must decide from the status alone, never from either wording.
 */
export type PolicyRefusalAnswer = "policy-wording" | "generic";

export interface GraphKnobs {
  missingCredential: MissingCredentialAnswer;
  policyRefusal: PolicyRefusalAnswer;
}

/** The answer to a removal of `what` (a key id, a federated credential's id) that is not there. */
export function missingCredentialReply(context: GraphContext, what: string, sandboxWording: () => EmulatorReply): EmulatorReply {
  switch (context.knobs.missingCredential) {
    case "sandbox-wording":
      return sandboxWording();
    case "not-found":
      return graphNotFound(what);
    case "other-wording":
      return graphBadRequest("One or more properties contains invalid values.");
  }
}

const unauthorizedHeaders = {
  "www-authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
};

/** Refuses requests without a valid Graph token of this tenant, as Graph does, before anything else. */
export function authenticated(context: GraphContext, handler: RouteHandler): RouteHandler {
  return (req) => {
    const header = req.headers.authorization;
    if (!header || !/^Bearer\s+\S/i.test(header)) {
      return graphError(401, "InvalidAuthenticationToken", "Access token is empty.", unauthorizedHeaders);
    }
    const claims = context.tokens.verify(header, [graphAudience]);
    if (!claims) return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience, signature or lifetime.", unauthorizedHeaders);
    if (claims.tid.toLowerCase() !== context.state.tenantId.toLowerCase()) {
      return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid tenant.", unauthorizedHeaders);
    }
    return handler(req);
  };
}

/**
 * Path pattern for an application addressed by object id (`/applications/{id}`) or client id
 * (`/applications(appId='{appId}')`), percent-encoded or not. `rest` follows the reference, e.g. "/addPassword".
 */
export function applicationPath(rest: string, versions = "v1\\.0|beta"): RegExp {
  return new RegExp(`^/(?<version>${versions})/applications(?<appRef>/[^/]+|\\([^/]*\\)|%28[^/]*%29)${rest}/?$`);
}

export type AppResolution = { app: DirectoryApp } | { reply: EmulatorReply };

export function resolveApplication(context: GraphContext, req: EmulatorRequest): AppResolution {
  let ref: string;
  try {
    ref = decodeURIComponent(req.params.appRef ?? "");
  } catch {
    return { reply: graphBadRequest(`Invalid object identifier '${req.params.appRef ?? ""}'.`) };
  }
  if (ref.startsWith("/")) {
    const id = ref.slice(1);
    const app = context.state.appById(id);
    return app ? { app } : { reply: graphNotFound(id) };
  }
  const byAppId = /^\(appId=(?:'([^']*)'|"([^"]*)"|([^)]*))\)$/i.exec(ref);
  if (!byAppId) return { reply: graphBadRequest(`Invalid key predicate '${ref}' for applications: use (appId='{appId}').`) };
  const appId = byAppId[1] ?? byAppId[2] ?? byAppId[3] ?? "";
  const app = context.state.appByAppId(appId);
  return app ? { app } : { reply: graphNotFound(appId) };
}

/** The request's JSON object body, or a Graph 400 naming what was wrong. */
export async function readJsonObject(req: EmulatorRequest): Promise<{ body: Record<string, unknown> } | { reply: EmulatorReply }> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return { reply: graphBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.", "BadRequest") };
  }
  if (body === undefined) return { body: {} };
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { reply: graphBadRequest("The request body must be a JSON object.", "BadRequest") };
  }
  return { body: body as Record<string, unknown> };
}

export function contextUrl(req: EmulatorRequest, fragment: string): string {
  const version = req.params.version ?? "v1.0";
  return `${req.baseUrl}/${version}/$metadata#${fragment}`;
}
