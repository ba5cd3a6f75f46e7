import type { Route } from "../../core/emulator.js";
import { applicationPath, authenticated, contextUrl, readJsonObject, resolveApplication, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphNotFound } from "../graph-errors.js";
import { parseFilter, UnsupportedFilterError } from "../odata-filter.js";
import { paginate, parseSelect } from "../paging.js";
import { denyOwnerAdd, denyRead } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import { applicationProperties, applicationToWire, project } from "../wire.js";

/** The directory object an `@odata.id` names, on Graph's own host or this emulator's; null when it is not such a reference. */
function referencedObjectId(reference: unknown, baseUrl: string): string | null {
  if (typeof reference !== "string") return null;
  const match = /^(https:\/\/[^/]+)\/(?:v1\.0|beta)\/directoryObjects\/([0-9a-f-]{36})$/i.exec(reference);
  if (!match || (match[1] !== "https://graph.microsoft.com" && match[1] !== baseUrl)) return null;
  return match[2]!;
}

/**
 * `GET /applications` (with $select, $filter, $top, $skiptoken), `GET /applications/{id}` or `(appId='…')`, its
 * owners, and adding an owner.
 */
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
    {
      name: graphRouteNames.ownersAdd,
      method: "POST",
      pattern: applicationPath("/owners/(?:\\$|%24)ref"),
      // application: Add owner (https://learn.microsoft.com/en-us/graph/api/application-post-owners): body
      // {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}, 204 No Content. A reference that is
      // already there is refused with 400 Request_BadRequest "One or more added object references already exist for
      // the following modified properties: 'owners'." (the directory's wording for every $ref collection, as public
      // scripts that add members and owners quote it); an object that does not exist is 404 Request_ResourceNotFound.
      handler: authenticated(context, async (req) => {
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const refused = denyOwnerAdd(context, req);
        if (refused) return refused;
        const read = await readJsonObject(req);
        if ("reply" in read) return read.reply;
        const objectId = referencedObjectId(read.body["@odata.id"], req.baseUrl);
        if (!objectId) return graphBadRequest("Invalid URL format specified in @odata.id property.");
        if (!context.state.directoryObjectExists(objectId)) return graphNotFound(objectId);
        if (context.state.addOwner(resolved.app, objectId) === "exists") {
          return graphBadRequest("One or more added object references already exist for the following modified properties: 'owners'.");
        }
        return { status: 204 };
      }),
    },
  ];
}
