// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

const loadApp = () => import("#shared/app/function-handlers.js");

/**
 * POST /api/broker/token: a CircleCI OIDC token and a role in, a broker token of that role out when every rule
 * holds. Anonymous (pipelines have no other credential), useless without a valid CircleCI token; rate limited.
 */
export async function brokerTokenHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { brokerTokenAnswer } = await loadApp();
  return brokerTokenAnswer(request, context);
}

export const brokerTokenRegistration: HttpFunctionOptions = {
  methods: ["POST"],
  route: "broker/token",
  authLevel: "anonymous",
  handler: brokerTokenHandler,
};

app.http("brokerToken", brokerTokenRegistration);
