// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("../shared/app/function-handlers.js");

/**
 * GET /api/report: the status page (HTML) built from a fresh plan and the latest audit events; changes nothing.
 * The page carries its CSP as a <meta> too, so a saved copy stays locked down; the header adds frame-ancestors.
 */
export async function reportHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { openWatchdog, errorResponse, reportHeaderPolicy } = await loadApp();
  try {
    const watchdog = await openWatchdog(process.env);
    const page = await watchdog.report();
    return {
      status: 200,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": reportHeaderPolicy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        // A status page must never be served stale from a cache.
        "Cache-Control": "no-store",
      },
      body: page,
    };
  } catch (error) {
    return errorResponse(error, context);
  }
}

export const reportRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "report",
  authLevel: "function",
  handler: reportHandler,
};

app.http("report", reportRegistration);
