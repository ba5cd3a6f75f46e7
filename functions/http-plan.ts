// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/plan[?refresh=true]: the plan of the last stored read (schemas/plan.schema.json, with `takenAt` and
 * `read`); no request to CircleCI, Graph or Key Vault unless a refresh is asked for or nothing is stored yet.
 */
export async function planHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { checkReadRequest, openWatchdog, storedPlanAnswer, errorResponse, problem } = await loadApp();
  const asked = checkReadRequest(request, process.env);
  if (!asked.ok) return problem(asked.status, asked.code, asked.message);
  try {
    const watchdog = await openWatchdog(process.env);
    return { status: 200, jsonBody: storedPlanAnswer(await watchdog.stored(["plan"], asked)) };
  } catch (error) {
    return errorResponse(error, context);
  }
}

export const planRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "plan",
  authLevel: "function",
  handler: planHandler,
};

app.http("plan", planRegistration);
