import type { Route } from "../../core/emulator.js";
import type { DirectoryServicePrincipalSignIn, DirectoryState } from "../directory-state.js";
import { authenticated, contextUrl, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphError } from "../graph-errors.js";
import { parseFilter, UnsupportedFilterError } from "../odata-filter.js";
import { paginate } from "../paging.js";
import { denyWithout, graphRoles } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import type { WireObject } from "../wire.js";

// Sources: "List signIns" (beta) https://learn.microsoft.com/en-us/graph/api/signin-list?view=graph-rest-beta (AuditLog.Read.All,
// Entra ID P1/P2, interactive sign-ins only unless signInEventTypes is filtered, $top up to 1,000, @odata.nextLink) and
// the signIn resource https://learn.microsoft.com/en-us/graph/api/resources/signin?view=graph-rest-beta
// (clientCredentialType, federatedCredentialId; v1.0 has neither).

/** One service-principal sign-in as the beta signIn resource writes it (createdDateTime "always in UTC"). */
function wireSignIn(state: DirectoryState, entry: DirectoryServicePrincipalSignIn): WireObject {
  const app = state.appByAppId(entry.appId);
  const errorCode = entry.errorCode ?? 0;
  return {
    id: entry.id,
    createdDateTime: entry.createdDateTime,
    appId: entry.appId,
    appDisplayName: app?.displayName ?? null,
    servicePrincipalId: app?.id ?? null,
    servicePrincipalName: app?.displayName ?? null,
    signInEventTypes: ["servicePrincipal"],
    isInteractive: false,
    clientCredentialType: entry.clientCredentialType,
    federatedCredentialId: entry.federatedCredentialId,
    servicePrincipalCredentialKeyId: entry.servicePrincipalCredentialKeyId,
    resourceId: entry.resourceId ?? null,
    status: { errorCode, failureReason: errorCode === 0 ? null : "Other.", additionalDetails: null },
  };
}

/**
 * `GET /beta/auditLogs/signIns` (list signIns, microsoft-graph-docs-contrib api-reference/beta/api/signin-list.md
 * and resources/signin.md), as hostile as documented:
 * - AuditLog.Read.All, and an Entra ID P1/P2 tenant (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant);
 * - without a `signInEventTypes` filter only interactive user sign-ins are listed ("This API returns only
 *   interactive sign-ins unless you set an explicit filter"): none of an app's service-principal sign-ins;
 * - newest first unless `$orderby=createdDateTime asc`; pages of at most 1,000 ("The maximum and default page
 *   size is 1,000 objects"), continued through `@odata.nextLink`;
 * - an entry is listed only `signInLogDelayMs` after the sign-in (activity logs arrive late);
 * - failed attempts are listed too, with a non-zero `status.errorCode`.
 */
export function signInLogRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.signIns,
      method: "GET",
      pattern: /^\/(?<version>beta)\/auditLogs\/signIns\/?$/,
      handler: authenticated(context, (req) => {
        const refused = denyWithout(context, req, graphRoles.auditLog);
        if (refused) return refused;
        const state = context.state;
        if (!state.signInReportsAvailable) {
          return graphError(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license");
        }
        const filter = req.query.get("$filter");
        // Interactive user sign-ins are the default view: the sandbox has none.
        if (filter === null || !/signInEventTypes\/any\(/i.test(filter)) {
          return { status: 200, json: { "@odata.context": contextUrl(req, "auditLogs/signIns"), value: [] } };
        }
        const cutoff = state.now().getTime() - state.signInLogDelayMs;
        let value = state.servicePrincipalSignIns.filter((s) => Date.parse(s.createdDateTime) <= cutoff).map((s) => wireSignIn(state, s));
        try {
          value = value.filter(parseFilter(filter));
        } catch (error) {
          const detail = error instanceof UnsupportedFilterError ? error.message : String(error);
          return graphBadRequest(`Invalid filter clause: ${detail}.`, "BadRequest");
        }
        const orderBy = (req.query.get("$orderby") ?? "createdDateTime desc").trim().toLowerCase();
        if (!/^createddatetime( (asc|desc))?$/.test(orderBy)) return graphBadRequest(`Invalid $orderby '${orderBy}'.`, "BadRequest");
        const ascending = orderBy === "createddatetime" || orderBy.endsWith(" asc");
        value.sort((a, b) => (Date.parse(String(a.createdDateTime)) - Date.parse(String(b.createdDateTime))) * (ascending ? 1 : -1));
        const paged = paginate(req, value, state.signInLogPageSize ?? 1_000, { defaultTop: 1_000, maxTop: 1_000 });
        if ("reply" in paged) return paged.reply;
        return {
          status: 200,
          json: { "@odata.context": contextUrl(req, "auditLogs/signIns"), value: paged.items, ...(paged.nextLink ? { "@odata.nextLink": paged.nextLink } : {}) },
        };
      }),
    },
  ];
}
