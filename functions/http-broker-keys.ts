// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

const loadApp = () => import("#shared/app/function-handlers.js");

/** GET /api/broker/keys: the broker's JWKS (public parts of its Key Vault key versions). Anonymous: Entra reads it. */
export async function brokerKeysHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { brokerKeysAnswer } = await loadApp();
  return brokerKeysAnswer(context);
}

export const brokerKeysRegistration: HttpFunctionOptions = {
  methods: ["GET"],
  route: "broker/keys",
  authLevel: "anonymous",
  handler: brokerKeysHandler,
};

app.http("brokerKeys", brokerKeysRegistration);
