import type { EmulatorReply, EmulatorRequest, RouteHandler } from "../core/emulator.js";
import type { CircleCiState } from "./state.js";

const queryAuthMessage =
  "Support for query parameter authentication has been deprecated to improve security. Please use a supported authentication method such as header-based, or basic authentication.";

/** The token a request presents: `Circle-Token`, or HTTP basic auth with the token as user name. */
function presentedToken(req: EmulatorRequest): string | undefined {
  const header = req.headers["circle-token"];
  if (typeof header === "string" && header) return header;
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    return decoded.split(":")[0];
  }
  return undefined;
}

/** Wraps a handler with CircleCI's token check; API v1.1 words its 401 differently from v2. */
export function authenticated(
  state: CircleCiState,
  handler: RouteHandler,
  unauthorizedMessage = "Invalid token provided.",
): RouteHandler {
  return (req): EmulatorReply | Promise<EmulatorReply> => {
    const token = presentedToken(req);
    if (!token && req.query.has("circle-token")) return { status: 401, json: { message: queryAuthMessage } };
    if (token !== state.token) return { status: 401, json: { message: unauthorizedMessage } };
    return handler(req);
  };
}

/** Parses a JSON body; a body that is not JSON gets CircleCI's 400 rather than the core's 500. */
export async function jsonBody(req: EmulatorRequest): Promise<{ ok: true; body: unknown } | { ok: false; reply: EmulatorReply }> {
  try {
    return { ok: true, body: await req.json() };
  } catch {
    return { ok: false, reply: { status: 400, json: { message: "Request body is not valid JSON." } } };
  }
}

export const message = (status: number, text: string): EmulatorReply => ({ status, json: { message: text } });
