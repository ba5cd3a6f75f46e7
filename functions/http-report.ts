// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/report[?refresh=true]: the status page (HTML) of the last stored read and the latest audit events;
 * its header says when the sources were read. No request to CircleCI, Graph or Key Vault unless a refresh is asked for.
 * The page carries its CSP as a <meta> too, so a saved copy stays locked down; the header adds frame-ancestors.
 */
export async function reportHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { checkReadRequest, openWatchdog, errorResponse, problem, reportHeaderPolicy } = await loadApp();
  const asked = checkReadRequest(request, process.env);
  if (!asked.ok) return problem(asked.status, asked.code, asked.message);
  try {
    const watchdog = await openWatchdog(process.env);
    const page = await watchdog.report({ stored: asked });
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
