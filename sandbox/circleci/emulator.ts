import { Emulator, type ErrorShaper } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import type { CircleWorld } from "../world/spec.js";
import { oidcClaimsRoutes, OidcCustomClaims } from "./oidc-claims.js";
import { contextEnvVarRoutes } from "./routes-context-envvar.js";
import { contextRestrictionRoutes } from "./routes-context-restrictions.js";
import { contextRoutes } from "./routes-context.js";
import { privateRoutes } from "./routes-private.js";
import { projectRoutes, type ProjectTimestampStyle } from "./routes-project.js";
import { userRoutes } from "./routes-user.js";
import { CircleCiState } from "./state.js";

export interface CircleCiEmulatorOptions {
  /** Items per page of every paged listing; CircleCI chooses it server-side (no page-size parameter). */
  pageSize?: number;
  /** The emulator's clock: it stamps created_at/updated_at of what clients write. */
  now?: () => Date;
  /** Share one request log across emulators. */
  log?: RequestLog;
  /** Format of project variables' `created-at` (default ISO 8601). */
  projectTimestampStyle?: ProjectTimestampStyle;
}

/** Names of every route, for fault knobs (`faults.set(name, …)`) and request-log assertions. */
export const circleCiRouteNames = [
  "me",
  "me.collaborations",
  "context.list",
  "context.create",
  "context.get",
  "context.delete",
  "context.envvar.list",
  "context.envvar.put",
  "context.envvar.delete",
  "context.restrictions.list",
  "context.restrictions.create",
  "context.restrictions.delete",
  "project.get",
  "project.envvar.list",
  "project.envvar.create",
  "project.envvar.get",
  "project.envvar.delete",
  "v1.projects",
  "private.projects",
  "oidc.claims.project.get",
  "oidc.claims.project.patch",
  "oidc.claims.project.delete",
  "oidc.claims.org.get",
  "oidc.claims.org.patch",
  "oidc.claims.org.delete",
] as const;

export type CircleCiRouteName = (typeof circleCiRouteNames)[number];

/**
 * The routes that write variables: CircleCI rate-limits API requests per token and answers 429 with Retry-After
 * ("API rate limits", https://circleci.com/docs/api-developers-guide/#rate-limits; specs/circleci-openapi-v2.json lists
 * 429 for the context variable PUT and DELETE; project variables, where it lists none, are assumed alike). For `circleci.faults.setBudget(name, { routes: circleCiVariableWriteRoutes, … })`.
 */
export const circleCiVariableWriteRoutes: readonly CircleCiRouteName[] = ["context.envvar.put", "context.envvar.delete", "project.envvar.create", "project.envvar.delete"];

const circleErrorShape: ErrorShaper = (status, message) => ({ status, json: { message } });

/**
 * CircleCI API v2 (and the API v1.1 followed-projects and private organization-projects listings the watchdog uses) over HTTPS on 127.0.0.1.
 * Point a client at `CIRCLECI_API_URL = ${url}/api/v2`.
 */
export class CircleCiEmulator extends Emulator {
  readonly state: CircleCiState;
  /** OIDC custom claims (audience, ttl) by organization and project. */
  readonly oidcClaims: OidcCustomClaims;

  constructor(world: CircleWorld, options: CircleCiEmulatorOptions = {}) {
    const pageSize = options.pageSize ?? 20;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`CircleCI emulator: pageSize must be a positive integer, got ${pageSize}`);
    const now = options.now ?? (() => new Date());
    const state = new CircleCiState(world, now);
    const routeOptions = { state, pageSize };
    const oidcClaims = new OidcCustomClaims();
    super(
      {
        name: "circleci",
        errorShape: circleErrorShape,
        routes: [
          ...userRoutes(state),
          ...contextEnvVarRoutes(routeOptions),
          ...contextRestrictionRoutes(routeOptions),
          ...contextRoutes(routeOptions),
          ...projectRoutes({ ...routeOptions, timestampStyle: options.projectTimestampStyle ?? "iso" }),
          ...privateRoutes(routeOptions),
          ...oidcClaimsRoutes({ state, claims: oidcClaims, now }),
        ],
      },
      options.log,
    );
    this.state = state;
    this.oidcClaims = oidcClaims;
  }

  /** `url` is https://127.0.0.1:<port>; the API v2 base is this. */
  get apiUrl(): string {
    return `${this.url}/api/v2`;
  }
}
