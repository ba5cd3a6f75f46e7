import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import { authenticated, message } from "./auth.js";
import { isReply, pageOf } from "./paging.js";
import type { CircleRouteOptions } from "./routes-context.js";
import type { EmulatedProject } from "./state.js";

/**
 * How the undocumented list marks a deleted project. CircleCI publishes nothing about this endpoint; the one public
 * caller, CircleCI-Public/CircleCI-Env-Inspector (src/utils/CircleCI.ts `_getRepos`), asks with
 * `include-deleted=true` and reads only `id`, `name`, `slug`, `has_trigger`. So both variants are modelled:
 * - "deleted_at": a deleted project carries a non-null `deleted_at`;
 * - "unmarked": it looks like any other, and only API v2 (404 on its variables) tells it is gone.
 */
export type DeletedProjectMarker = "deleted_at" | "unmarked";

export interface PrivateProjectListOptions {
  deletedMarker: DeletedProjectMarker;
  /**
   * CircleCI-Env-Inspector PR #44: "a small number of users are seeing paginated results returned in an infinite
   * loop" — the endpoint answered the same page, with a next token, forever. When true, every page after the first
   * repeats the first page's items with a next token.
   */
  repeatFirstPage: boolean;
}

const projectToWire = (marker: DeletedProjectMarker) => (project: EmulatedProject) => ({
  id: project.id,
  name: project.name,
  slug: project.slug,
  has_trigger: false,
  ...(marker === "deleted_at" ? { deleted_at: project.deletedAt ?? null } : {}),
});

function listOrganizationProjects(options: CircleRouteOptions) {
  const { state, pageSize } = options;
  return (req: EmulatorRequest): EmulatorReply => {
    const orgId = req.query.get("organization-id");
    if (!orgId) return message(400, "organization-id is required");
    if (orgId !== state.org.id) return message(404, "Organization not found");
    const includeDeleted = req.query.get("include-deleted") === "true";
    const projects = state.projects.filter((p) => includeDeleted || !p.deletedAt);
    const { deletedMarker, repeatFirstPage } = state.privateProjectList;
    if (repeatFirstPage && req.query.get("page-token")) {
      const first = projects.slice(0, pageSize).map(projectToWire(deletedMarker));
      return { status: 200, json: { items: first, next_page_token: req.query.get("page-token") } };
    }
    const page = pageOf(req, `org-projects:${orgId}`, projects, pageSize, projectToWire(deletedMarker));
    return isReply(page) ? page : { status: 200, json: page };
  };
}

/** `GET /api/private/project?organization-id=…&include-deleted=…`: every project of an organization (undocumented). */
export function privateRoutes(options: CircleRouteOptions): Route[] {
  return [
    {
      name: "private.projects",
      method: "GET",
      pattern: "/api/private/project",
      handler: authenticated(options.state, listOrganizationProjects(options)),
    },
  ];
}
