import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import { authenticated, jsonBody, message } from "./auth.js";
import { circleLimits } from "./limits.js";
import { isReply, pageOf } from "./paging.js";
import type { CircleCiState, EmulatedContext } from "./state.js";

export interface CircleRouteOptions {
  state: CircleCiState;
  pageSize: number;
}

export const contextNotFound = (): EmulatorReply => message(404, "Context not found.");

export const contextToWire = (c: EmulatedContext) => ({ id: c.id, name: c.name, created_at: c.createdAt });

/** Whether the owner named by owner-id/owner-slug is the emulated organization. */
function ownerMatches(state: CircleCiState, owner: { id?: unknown; slug?: unknown }): boolean {
  if (typeof owner.id === "string") return owner.id === state.org.id;
  if (typeof owner.slug === "string") return owner.slug === state.org.slug;
  return false;
}

function listContexts({ state, pageSize }: CircleRouteOptions) {
  return (req: EmulatorRequest): EmulatorReply => {
    const ownerId = req.query.get("owner-id") ?? undefined;
    const ownerSlug = req.query.get("owner-slug") ?? undefined;
    const ownerType = req.query.get("owner-type") ?? "organization";
    if (!ownerId && !ownerSlug) return message(400, "Must provide either owner-id or owner-slug.");
    if (ownerType !== "organization" && ownerType !== "account") {
      return message(400, "owner-type must be one of: account, organization.");
    }
    if (!ownerMatches(state, { id: ownerId, slug: ownerSlug })) return message(404, "Organization does not exist.");
    // The emulated organization owns every context; an account owner (CircleCI server only) owns none.
    const contexts = ownerType === "account" ? [] : state.contexts;
    const page = pageOf(req, `context:${ownerId ?? ownerSlug}:${ownerType}`, contexts, pageSize, contextToWire);
    return isReply(page) ? page : { status: 200, json: page };
  };
}

function createContext({ state }: CircleRouteOptions) {
  return async (req: EmulatorRequest): Promise<EmulatorReply> => {
    const parsed = await jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const body = parsed.body as { name?: unknown; owner?: { id?: unknown; slug?: unknown; type?: unknown } } | undefined;
    if (typeof body?.name !== "string" || !body.name.trim()) return message(400, "name is required and must be a non-empty string.");
    if (typeof body.owner !== "object" || body.owner === null) return message(400, "owner is required: {\"id\"} or {\"slug\"}.");
    if (!ownerMatches(state, body.owner)) return message(404, "Organization does not exist.");
    if (state.context(body.name)) return message(409, `A context named "${body.name}" already exists.`);
    if (state.contexts.length >= circleLimits.contextsPerOrg) {
      return message(409, `An organization can have at most ${circleLimits.contextsPerOrg} contexts.`);
    }
    return { status: 200, json: contextToWire(state.addContext({ name: body.name })) };
  };
}

export function contextRoutes(options: CircleRouteOptions): Route[] {
  const { state } = options;
  const guard = (handler: Route["handler"]) => authenticated(state, handler);
  return [
    { name: "context.list", method: "GET", pattern: "/api/v2/context", handler: guard(listContexts(options)) },
    { name: "context.create", method: "POST", pattern: "/api/v2/context", handler: guard(createContext(options)) },
    {
      name: "context.get",
      method: "GET",
      pattern: "/api/v2/context/:id",
      handler: guard((req) => {
        const context = state.contextById(req.params.id ?? "");
        return context ? { status: 200, json: contextToWire(context) } : contextNotFound();
      }),
    },
    {
      name: "context.delete",
      method: "DELETE",
      pattern: "/api/v2/context/:id",
      handler: guard((req) => (state.removeContextById(req.params.id ?? "") ? message(200, "Context deleted.") : contextNotFound())),
    },
  ];
}
