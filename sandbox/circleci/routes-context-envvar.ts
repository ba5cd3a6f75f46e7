import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import { authenticated, jsonBody, message } from "./auth.js";
import { circleLimits, invalidVariableName, invalidVariableValue } from "./limits.js";
import { isReply, pageOf } from "./paging.js";
import { contextNotFound, type CircleRouteOptions } from "./routes-context.js";
import type { EmulatedContext, EmulatedContextVariable } from "./state.js";

/** Context variables never come back with their value. */
const variableToWire = (context: EmulatedContext) => (v: EmulatedContextVariable) => ({
  variable: v.name,
  created_at: v.createdAt,
  updated_at: v.updatedAt,
  context_id: context.id,
});

export function contextEnvVarRoutes(options: CircleRouteOptions): Route[] {
  const { state, pageSize } = options;
  const restricted = (req: EmulatorRequest): EmulatorReply | undefined => {
    const context = state.contextById(req.params.id ?? "");
    const status = context ? state.restrictedContexts.get(context.name) : undefined;
    if (status === 404) return contextNotFound();
    if (status === 403) return message(403, "Permission denied");
    return undefined;
  };
  const guard = (handler: Route["handler"]) => authenticated(state, (req) => restricted(req) ?? handler(req));
  const base = "/api/v2/context/:id/environment-variable";

  const list = (req: EmulatorRequest): EmulatorReply => {
    const context = state.contextById(req.params.id ?? "");
    if (!context) return contextNotFound();
    const page = pageOf(req, `context-envvar:${context.id}`, context.variables, pageSize, variableToWire(context));
    return isReply(page) ? page : { status: 200, json: page };
  };

  const put = async (req: EmulatorRequest): Promise<EmulatorReply> => {
    const context = state.contextById(req.params.id ?? "");
    if (!context) return contextNotFound();
    const name = req.params.name ?? "";
    const badName = invalidVariableName(name);
    if (badName) return message(400, badName);
    const parsed = await jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const value = (parsed.body as { value?: unknown } | undefined)?.value;
    const badValue = invalidVariableValue(value);
    if (badValue || typeof value !== "string") return message(400, badValue ?? "Invalid value.");
    const exists = context.variables.some((v) => v.name === name);
    if (!exists && context.variables.length >= circleLimits.variablesPerContext) {
      return message(409, `A context can hold at most ${circleLimits.variablesPerContext} environment variables.`);
    }
    const stored = state.upsertContextVariable(context, name, value);
    return { status: 200, json: variableToWire(context)(stored) };
  };

  const remove = (req: EmulatorRequest): EmulatorReply => {
    const context = state.contextById(req.params.id ?? "");
    if (!context) return contextNotFound();
    const index = context.variables.findIndex((v) => v.name === req.params.name);
    if (index < 0) return message(404, "Environment variable not found.");
    context.variables.splice(index, 1);
    return message(200, "Environment variable deleted.");
  };

  return [
    { name: "context.envvar.list", method: "GET", pattern: base, handler: guard(list) },
    { name: "context.envvar.put", method: "PUT", pattern: `${base}/:name`, handler: guard(put) },
    { name: "context.envvar.delete", method: "DELETE", pattern: `${base}/:name`, handler: guard(remove) },
  ];
}
