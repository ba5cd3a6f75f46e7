// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * GET /api/broker/.well-known/openid-configuration: the OIDC broker's discovery document (issuer = BROKER_ISSUER_URL).
 * Anonymous: Entra reads it to find the broker's keys. It holds nothing secret.
 */
export async function brokerDiscoveryHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { brokerDiscoveryAnswer } = await loadApp();
  return brokerDiscoveryAnswer(context);
}

export const brokerDiscoveryRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "broker/.well-known/openid-configuration",
  authLevel: "anonymous",
  handler: brokerDiscoveryHandler,
};

app.http("brokerDiscovery", brokerDiscoveryRegistration);
