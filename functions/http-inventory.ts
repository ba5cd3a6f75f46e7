import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { openWatchdog } from "../shared/app/watchdog.js";
import { errorResponse } from "../shared/app/http-errors.js";

/** GET /api/inventory: the normalized snapshot (metadata only, never a value). */
export async function inventoryHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const watchdog = await openWatchdog(process.env);
    return { status: 200, jsonBody: await watchdog.inventory() };
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
