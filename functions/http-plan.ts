import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { openWatchdog } from "../shared/app/watchdog.js";
import { errorResponse } from "../shared/app/http-errors.js";

/** GET /api/plan: the plan as JSON (schemas/plan.schema.json); changes nothing. */
export async function planHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const watchdog = await openWatchdog(process.env);
    return { status: 200, jsonBody: await watchdog.plan() };
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
