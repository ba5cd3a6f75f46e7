import { randomUUID } from "node:crypto";
import type { EmulatorReply, ErrorShaper } from "../core/emulator.js";

const defaultCodes: Record<number, string> = {
  400: "BadRequest",
  401: "InvalidAuthenticationToken",
  403: "Authorization_RequestDenied",
  404: "Request_ResourceNotFound",
  409: "Request_MultipleObjectsWithSameKeyValue",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceNotAvailable",
  504: "GatewayTimeout",
};

/** Graph's error envelope: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`. */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmulatorReply {
  const requestId = randomUUID();
  return {
    status,
    headers: { "request-id": requestId, "client-request-id": requestId, ...headers },
    json: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ""), "request-id": requestId, "client-request-id": requestId },
      },
    },
  };
}

/** Shape of injected faults (429, 5xx) and unmatched routes. */
export const graphErrorShape: ErrorShaper = (status, message) =>
  graphError(status, defaultCodes[status] ?? "UnknownError", status === 429 ? "Please retry again later." : message);

export const graphNotFound = (what: string): EmulatorReply =>
  graphError(404, "Request_ResourceNotFound", `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);

export const graphBadRequest = (message: string, code = "Request_BadRequest"): EmulatorReply => graphError(400, code, message);
