import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { BadInputError } from "./errors.js";

/** Maps a failure to a JSON error answer. Bad settings/policy are the operator's to fix (500 with the issues); nothing else leaks detail. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof BadInputError) {
    context.error(error.message);
    return { status: 500, jsonBody: { error: { code: `invalid-${error.kind}`, message: `the watchdog is misconfigured: invalid ${error.kind}`, issues: error.issues } } };
  }
  context.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
  return { status: 502, jsonBody: { error: { code: "upstream-failure", message: error instanceof Error ? error.message : "request failed" } } };
}
