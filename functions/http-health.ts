// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/health: the last cycle's start, end and result, failures in a row, the next timer run (from state only).
 * A reader's endpoint: with App Service authentication on, the caller needs Watchdog.Read (or Watchdog.Rotate).
 */
export async function healthHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { checkReadRequest, openWatchdog, errorResponse, problem } = await loadApp();
  const asked = checkReadRequest(request, process.env);
  if (!asked.ok) return problem(asked.status, asked.code, asked.message);
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
