// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/doctor: every permission and role the policy needs, present or missing, with the grant that fixes it; 200
 * when all are there, 503 otherwise. Reads only. A reader's endpoint (it names every bound app and context): with App
 * Service authentication on, the caller needs Watchdog.Read (or Watchdog.Rotate).
 */
export async function doctorHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { checkReadRequest, openWatchdog, errorResponse, problem } = await loadApp();
  const asked = checkReadRequest(request, process.env);
  if (!asked.ok) return problem(asked.status, asked.code, asked.message);
  try {
    const watchdog = await openWatchdog(process.env);
    const report = await watchdog.doctor();
    // 503: the app is up but cannot do what its policy asks until the grants are made.
    return { status: report.ok ? 200 : 503, jsonBody: report };
  } catch (error) {
    return errorResponse(error, context);
  }
}

export const doctorRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "doctor",
  authLevel: "function",
  handler: doctorHandler,
};

app.http("doctor", doctorRegistration);
