import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import { authenticated, jsonBody, message } from "./auth.js";
import { isReply, pageOf } from "./paging.js";
import { contextNotFound, type CircleRouteOptions } from "./routes-context.js";
import type { EmulatedContext, EmulatedRestriction, RestrictionType } from "./state.js";

/*
 * Context restrictions, as CircleCI's OpenAPI document (specs/circleci-openapi-v2.json, operations
 * getContextRestrictions, createContextRestriction, deleteContextRestriction) describes them:
 * - GET is a paged list (`items`, `next_page_token`) of `{id, context_id, project_id?, name, restriction_type,
 *   restriction_value}`; `project_id` is deprecated and only set on project restrictions;
 * - POST `{restriction_type: project|expression|group, restriction_value}` answers 201 with the restriction
 *   (no context_id); a project the caller cannot see is 400 "Project does not exist, or user does not have
 *   access to this project.", a restriction that cannot apply 400 "This restriction cannot be applied to this context.";
 * - DELETE answers 200 `{"message": "Context restriction deleted."}`;
 * - ids are UUIDs: a malformed one is 400 "context_id is invalid." / "restriction_id is invalid.", an unknown one 404.
 * Expression restrictions see pipeline values and `job.ssh.enabled` (https://circleci.com/docs/reference/expressions-reference/,
 * "Context expression restrictions"); the emulator does not evaluate them, it only refuses an empty one.
 */

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const restrictionTypes: readonly RestrictionType[] = ["project", "expression", "group"];

const restrictionToWire = (r: EmulatedRestriction) => ({
  id: r.id,
  ...(r.type === "project" ? { project_id: r.value } : {}),
  name: r.name,
  restriction_type: r.type,
  restriction_value: r.value,
});

const listedToWire = (context: EmulatedContext) => (r: EmulatedRestriction) => ({ context_id: context.id, ...restrictionToWire(r) });

const cannotApply = (): EmulatorReply => message(400, "This restriction cannot be applied to this context.");

export function contextRestrictionRoutes(options: CircleRouteOptions): Route[] {
  const { state, pageSize } = options;
  const guard = (handler: Route["handler"]) => authenticated(state, handler);
  const base = "/api/v2/context/:id/restrictions";

  /** The context a request names: 400 for an id that is no UUID, 404 for an unknown one. */
  const contextOf = (req: EmulatorRequest): EmulatedContext | EmulatorReply => {
    const id = req.params.id ?? "";
    if (!uuid.test(id)) return message(400, "context_id is invalid.");
    return state.contextById(id) ?? contextNotFound();
  };

  const list = (req: EmulatorRequest): EmulatorReply => {
    const context = contextOf(req);
    if (isReply(context)) return context;
    const page = pageOf(req, `context-restrictions:${context.id}`, context.restrictions, pageSize, listedToWire(context));
    return isReply(page) ? page : { status: 200, json: page };
  };

  const create = async (req: EmulatorRequest): Promise<EmulatorReply> => {
    const context = contextOf(req);
    if (isReply(context)) return context;
    const parsed = await jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const body = parsed.body as { restriction_type?: unknown; restriction_value?: unknown } | undefined;
    const type = body?.restriction_type;
    const value = body?.restriction_value;
    if (typeof type !== "string" || !restrictionTypes.includes(type as RestrictionType)) {
      return message(400, "restriction_type must be one of: project, expression, group.");
    }
    if (typeof value !== "string" || !value.trim()) return message(400, "restriction_value is required.");
    let name = "";
    if (type === "project") {
      const project = state.projects.find((p) => p.id === value);
      if (!project) return message(400, "Project does not exist, or user does not have access to this project.");
      name = project.name;
    } else if (type === "group" && !uuid.test(value)) {
      return message(404, "Group does not exist.");
    }
    if (context.restrictions.some((r) => r.type === type && r.value === value)) return cannotApply();
    const created = state.addRestriction(context.name, { type: type as RestrictionType, value, name });
    return { status: 201, json: restrictionToWire(created) };
  };

  const remove = (req: EmulatorRequest): EmulatorReply => {
    const context = contextOf(req);
    if (isReply(context)) return context;
    const restrictionId = req.params.restrictionId ?? "";
    if (!uuid.test(restrictionId)) return message(400, "restriction_id is invalid.");
    const index = context.restrictions.findIndex((r) => r.id === restrictionId);
    if (index < 0) return message(404, "Context restriction not found.");
    context.restrictions.splice(index, 1);
    return message(200, "Context restriction deleted.");
  };

  return [
    { name: "context.restrictions.list", method: "GET", pattern: base, handler: guard(list) },
    { name: "context.restrictions.create", method: "POST", pattern: base, handler: guard(create) },
    { name: "context.restrictions.delete", method: "DELETE", pattern: `${base}/:restrictionId`, handler: guard(remove) },
  ];
}
