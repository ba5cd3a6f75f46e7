// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("../shared/app/function-handlers.js");

/** GET /api/health: the last cycle's start, end and result, failures in a row, the next timer run (from state only). */
export async function healthHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { openWatchdog, errorResponse } = await loadApp();
  try {
    const watchdog = await openWatchdog(process.env);
    return { status: 200, jsonBody: await watchdog.health() };
  } catch (error) {
    return errorResponse(error, context);
  }
}

export const healthRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "health",
  authLevel: "function",
  handler: healthHandler,
};

app.http("health", healthRegistration);
