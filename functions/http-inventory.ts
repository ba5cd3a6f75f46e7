// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/inventory[?refresh=true]: the snapshot of the last stored read (metadata only, never a value), with
 * `takenAt`, `complete` and `read`; no request to CircleCI, Graph or Key Vault unless a refresh is asked for.
 */
export async function inventoryHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { checkReadRequest, openWatchdog, storedInventoryAnswer, errorResponse, problem } = await loadApp();
  const asked = checkReadRequest(request, process.env);
  if (!asked.ok) return problem(asked.status, asked.code, asked.message);
  try {
    const watchdog = await openWatchdog(process.env);
    return { status: 200, jsonBody: storedInventoryAnswer(await watchdog.stored(["snapshot"], asked)) };
  } catch (error) {
    return errorResponse(error, context);
  }
}

export const inventoryRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "inventory",
  authLevel: "function",
  handler: inventoryHandler,
};

app.http("inventory", inventoryRegistration);
