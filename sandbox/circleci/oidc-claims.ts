import type { EmulatorReply, Route } from "../core/emulator.js";
import { authenticated, jsonBody } from "./auth.js";
import type { CircleCiState } from "./state.js";

/**
 * CircleCI's OIDC custom claims (API v2, "OIDC Token Management" in CircleCI's OpenAPI document, specs/):
 * `GET|PATCH|DELETE /org/{orgID}/oidc-custom-claims` and `/org/{orgID}/project/{projectID}/oidc-custom-claims`.
 * PATCH takes `{audience?: string[], ttl?: JSONDuration}`; DELETE takes the required `?claims=audience,ttl`; every
 * answer is a ClaimResponse (`org_id`, `project_id`, `audience`, `audience_updated_at`, `ttl`, `ttl_updated_at`);
 * 400 and 403 answer `{"error": …}`. Whether these claims change the `aud` of the tokens CircleCI injects into a
 * job is not documented: the sandbox's job helper takes that as a knob.
 */

export interface CustomClaims {
  audience?: string[];
  audienceUpdatedAt?: string;
  ttl?: string;
  ttlUpdatedAt?: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// CircleCI's JSONDuration schema.
const jsonDuration = /^([0-9]+(ms|s|m|h|d|w)){1,7}$/;
const error = (status: number, text: string): EmulatorReply => ({ status, json: { error: text } });

/** Custom claims by organization and project, kept beside the CircleCI emulator's state. */
export class OidcCustomClaims {
  private readonly byKey = new Map<string, CustomClaims>();

  private key(orgId: string, projectId?: string): string {
    return `${orgId.toLowerCase()}/${projectId?.toLowerCase() ?? ""}`;
  }

  get(orgId: string, projectId?: string): CustomClaims {
    return { ...(this.byKey.get(this.key(orgId, projectId)) ?? {}) };
  }

  set(orgId: string, projectId: string | undefined, patch: { audience?: string[]; ttl?: string }, at: string): CustomClaims {
    const next = this.get(orgId, projectId);
    if (patch.audience !== undefined) Object.assign(next, { audience: [...patch.audience], audienceUpdatedAt: at });
    if (patch.ttl !== undefined) Object.assign(next, { ttl: patch.ttl, ttlUpdatedAt: at });
    this.byKey.set(this.key(orgId, projectId), next);
    return next;
  }

  remove(orgId: string, projectId: string | undefined, claims: Array<"audience" | "ttl">, at: string): CustomClaims {
    const next = this.get(orgId, projectId);
    if (claims.includes("audience")) {
      delete next.audience;
      next.audienceUpdatedAt = at;
    }
    if (claims.includes("ttl")) {
      delete next.ttl;
      next.ttlUpdatedAt = at;
    }
    this.byKey.set(this.key(orgId, projectId), next);
    return next;
  }
}

function toWire(orgId: string, projectId: string | undefined, claims: CustomClaims): Record<string, unknown> {
  return {
    org_id: orgId,
    ...(projectId ? { project_id: projectId } : {}),
    ...(claims.audience ? { audience: claims.audience } : {}),
    ...(claims.audienceUpdatedAt ? { audience_updated_at: claims.audienceUpdatedAt } : {}),
    ...(claims.ttl ? { ttl: claims.ttl } : {}),
    ...(claims.ttlUpdatedAt ? { ttl_updated_at: claims.ttlUpdatedAt } : {}),
  };
}

export function oidcClaimsRoutes(options: { state: CircleCiState; claims: OidcCustomClaims; now: () => Date }): Route[] {
  const { state, claims } = options;
  /** The org and project of a request, or the error CircleCI answers. */
  const scope = (params: Record<string, string>): { orgId: string; projectId?: string } | EmulatorReply => {
    const orgId = params.orgID ?? "";
    if (!uuid.test(orgId)) return error(400, "OrgID: must be a valid UUID.");
    const projectId = params.projectID;
    if (projectId !== undefined && !uuid.test(projectId)) return error(400, "ProjectID: must be a valid UUID.");
    // The token's user may manage only its own organization's claims, and only of the org's projects.
    if (orgId.toLowerCase() !== state.org.id.toLowerCase()) return error(403, "Forbidden");
    if (projectId !== undefined && !state.projects.some((p) => p.id.toLowerCase() === projectId.toLowerCase())) return error(403, "Forbidden");
    return projectId === undefined ? { orgId } : { orgId, projectId };
  };
  const isReply = (value: object): value is EmulatorReply => "status" in value;
  const routesFor = (suffix: string, name: string): Route[] => [
    {
      name: `${name}.get`,
      method: "GET",
      pattern: `/api/v2/org/:orgID${suffix}/oidc-custom-claims`,
      handler: authenticated(state, (req) => {
        const where = scope(req.params);
        if (isReply(where)) return where;
        return { status: 200, json: toWire(where.orgId, where.projectId, claims.get(where.orgId, where.projectId)) };
      }),
    },
    {
      name: `${name}.patch`,
      method: "PATCH",
      pattern: `/api/v2/org/:orgID${suffix}/oidc-custom-claims`,
      handler: authenticated(state, async (req) => {
        const where = scope(req.params);
        if (isReply(where)) return where;
        const read = await jsonBody(req);
        if (!read.ok) return read.reply;
        const body = read.body as { audience?: unknown; ttl?: unknown } | null;
        if (typeof body !== "object" || body === null || Array.isArray(body)) return error(400, "request body must be a JSON object");
        const { audience, ttl } = body;
        if (audience !== undefined && !(Array.isArray(audience) && audience.every((a) => typeof a === "string" && a.length > 0))) {
          return error(400, "audience: must be a list of non-empty strings");
        }
        if (ttl !== undefined && !(typeof ttl === "string" && jsonDuration.test(ttl))) return error(400, "ttl: must be a duration like 1h");
        if (audience === undefined && ttl === undefined) return error(400, "at least one of audience and ttl is required");
        const patch = { ...(audience !== undefined ? { audience: audience as string[] } : {}), ...(ttl !== undefined ? { ttl: ttl as string } : {}) };
        return { status: 200, json: toWire(where.orgId, where.projectId, claims.set(where.orgId, where.projectId, patch, options.now().toISOString())) };
      }),
    },
    {
      name: `${name}.delete`,
      method: "DELETE",
      pattern: `/api/v2/org/:orgID${suffix}/oidc-custom-claims`,
      handler: authenticated(state, (req) => {
        const where = scope(req.params);
        if (isReply(where)) return where;
        const names = (req.query.get("claims") ?? "").split(",").map((c) => c.trim()).filter(Boolean);
        if (names.length === 0) return error(400, "claims: is required (audience, ttl)");
        const unknown = names.filter((c) => c !== "audience" && c !== "ttl");
        if (unknown.length > 0) return error(400, `claims: invalid value(s) ${unknown.join(", ")}; valid values are audience and ttl`);
        return { status: 200, json: toWire(where.orgId, where.projectId, claims.remove(where.orgId, where.projectId, names as Array<"audience" | "ttl">, options.now().toISOString())) };
      }),
    },
  ];
  return [...routesFor("/project/:projectID", "oidc.claims.project"), ...routesFor("", "oidc.claims.org")];
}
