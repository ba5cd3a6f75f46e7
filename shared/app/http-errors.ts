import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { BadInputError } from "./errors.js";
import { ReadUnavailableError } from "../engine/read-model/index.js";

/** Every error answer of the HTTP functions: JSON `{error: {code, message, …}}`. */
export function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: { code, message, ...extra } } };
}

/** Maps a failure to a JSON error answer. Bad settings/policy are the operator's to fix (500 with the issues); nothing else leaks detail. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof BadInputError) {
    context.error(error.message);
    return { status: 500, jsonBody: { error: { code: `invalid-${error.kind}`, message: `the watchdog is misconfigured: invalid ${error.kind}`, issues: error.issues } } };
  }
  if (error instanceof ReadUnavailableError) {
    context.warn(error.message);
    return { ...problem(503, "read-unavailable", error.message), headers: { "Retry-After": "30" } };
  }
  context.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
  return { status: 502, jsonBody: { error: { code: "upstream-failure", message: error instanceof Error ? error.message : "request failed" } } };
}
