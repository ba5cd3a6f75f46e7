import { randomUUID } from "node:crypto";
import type { EmulatorReply, ErrorShaper } from "../core/emulator.js";

/** Entra's OAuth error body: `error`, an AADSTS `error_description` with trace/correlation ids, `error_codes`, … */
export function oauthError(status: number, error: string, code: number, description: string): EmulatorReply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  return {
    status,
    headers: { "x-ms-request-id": traceId, "cache-control": "no-store, no-cache" },
    json: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** Injected faults: 429/5xx in the OAuth shape (`temporarily_unavailable`), which MSAL reads as a server error. */
export const oauthErrorShape: ErrorShaper = (status, message) =>
  oauthError(status, status === 429 ? "temporarily_unavailable" : "server_error", status === 429 ? 50196 : 50000, message);
