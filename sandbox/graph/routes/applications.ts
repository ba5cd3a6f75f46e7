import type { Route } from "../../core/emulator.js";
import { applicationPath, authenticated, contextUrl, resolveApplication, type GraphContext } from "../graph-context.js";
import { graphBadRequest } from "../graph-errors.js";
import { parseFilter, UnsupportedFilterError } from "../odata-filter.js";
import { paginate, parseSelect } from "../paging.js";
import { denyRead } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import { applicationProperties, applicationToWire, project } from "../wire.js";

/** `GET /applications` (with $select, $filter, $top, $skiptoken) and `GET /applications/{id}` or `(appId='…')`. */
export function applicationRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.applicationsList,
      method: "GET",
      pattern: /^\/(?<version>v1\.0|beta)\/applications\/?$/,
      handler: authenticated(context, (req) => {
        const refused = denyRead(context, req);
        if (refused) return refused;
        const select = parseSelect(req, applicationProperties, "application");
        if ("reply" in select) return select.reply;
        let apps = context.state.applications.map((app) => applicationToWire(context.state.readView(app)));
        const filter = req.query.get("$filter");
        if (filter !== null) {
          try {
            const predicate = parseFilter(filter);
            apps = apps.filter(predicate);
          } catch (error) {
            const detail = error instanceof UnsupportedFilterError ? error.message : String(error);
            return graphBadRequest(`Unsupported or invalid query filter clause specified for property of resource 'Application': ${detail}.`, "Request_UnsupportedQuery");
          }
        }
        const page = paginate(req, apps, context.maxPageSize);
        if ("reply" in page) return page.reply;
        const fragment = select.properties ? `applications(${select.properties.join(",")})` : "applications";
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, fragment),
            ...(page.nextLink ? { "@odata.nextLink": page.nextLink } : {}),
            value: page.items.map((app) => project(app, select.properties)),
          },
        };
      }),
    },
    {
      name: graphRouteNames.applicationsGet,
      method: "GET",
      pattern: applicationPath(""),
      handler: authenticated(context, (req) => {
        const refused = denyRead(context, req);
        if (refused) return refused;
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const select = parseSelect(req, applicationProperties, "application");
        if ("reply" in select) return select.reply;
        const fragment = select.properties ? `applications(${select.properties.join(",")})/$entity` : "applications/$entity";
        return {
          status: 200,
          json: { "@odata.context": contextUrl(req, fragment), ...project(applicationToWire(context.state.readView(resolved.app)), select.properties) },
        };
      }),
    },
    {
      name: graphRouteNames.owners,
      method: "GET",
      pattern: applicationPath("/owners"),
      // application: list owners — directoryObject collection; service principals come as microsoft.graph.servicePrincipal.
      handler: authenticated(context, (req) => {
        const refused = denyRead(context, req);
        if (refused) return refused;
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, "directoryObjects"),
            value: context.state.readView(resolved.app).owners.map((id) => ({ "@odata.type": "#microsoft.graph.servicePrincipal", id })),
          },
        };
      }),
    },
  ];
}
