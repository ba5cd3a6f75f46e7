import type { Route } from "../../core/emulator.js";
import type { AppManagementRestrictions, AssignedAppManagementPolicy, PasswordRestriction } from "../app-management-policy.js";
import { applicationPath, authenticated, contextUrl, resolveApplication, type GraphContext } from "../graph-context.js";
import { denyWithout, graphRoles } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import type { WireObject } from "../wire.js";

// Sources: "Get tenantAppManagementPolicy" https://learn.microsoft.com/en-us/graph/api/tenantappmanagementpolicy-get,
// "List appManagementPolicies" https://learn.microsoft.com/en-us/graph/api/appmanagementpolicy-list, "List
// appManagementPolicies" of an application https://learn.microsoft.com/en-us/graph/api/application-list-appmanagementpolicies
// (each: Policy.Read.All for an application caller) and the enforcement rules in ../app-management-policy.ts.

/** The tenant default's id: Graph answers the same fixed id in every tenant (tenantAppManagementPolicy get, example). */
const tenantDefaultId = "00000000-0000-0000-0000-000000000000";

function restrictionToWire(r: PasswordRestriction): WireObject {
  return {
    restrictionType: r.restrictionType,
    // Older answers lack `state`; the emulator always writes what it holds, absent included.
    ...(r.state !== undefined ? { state: r.state } : {}),
    maxLifetime: r.maxLifetime ?? null,
    restrictForAppsCreatedAfterDateTime: r.restrictForAppsCreatedAfterDateTime ?? null,
    excludeActors: r.excludeActors
      ? {
          customSecurityAttributes: r.excludeActors.customSecurityAttributes.map((a) => ({
            "@odata.type": "#microsoft.graph.customSecurityAttributeStringValueExemption",
            ...a,
          })),
        }
      : null,
  };
}

function restrictionsToWire(r: AppManagementRestrictions): WireObject {
  return { passwordCredentials: r.passwordCredentials.map(restrictionToWire), keyCredentials: [...r.keyCredentials] };
}

function policyToWire(p: AssignedAppManagementPolicy): WireObject {
  return { id: p.id, displayName: p.displayName, description: null, isEnabled: p.isEnabled, restrictions: restrictionsToWire(p.restrictions) };
}

/**
 * `GET /policies/defaultAppManagementPolicy` (tenantAppManagementPolicy: Get), `GET /policies/appManagementPolicies`
 * (appManagementPolicy: List) and `GET /applications/{id}/appManagementPolicies` (application: List
 * appManagementPolicies). Each needs Policy.Read.All for an app-only caller ("Permissions" of those pages); without
 * it 403 Authorization_RequestDenied.
 */
export function policyRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.tenantAppManagementPolicy,
      method: "GET",
      pattern: /^\/(?<version>v1\.0|beta)\/policies\/defaultAppManagementPolicy\/?$/,
      handler: authenticated(context, (req) => {
        const refused = denyWithout(context, req, graphRoles.policyRead);
        if (refused) return refused;
        const tenant = context.state.appManagement.tenantDefault;
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, "policies/defaultAppManagementPolicy/$entity"),
            id: tenantDefaultId,
            displayName: "Default app management tenant policy",
            description: "Default tenant policy that enforces app management restrictions on applications and service principals.",
            isEnabled: tenant.isEnabled,
            applicationRestrictions: restrictionsToWire(tenant.applicationRestrictions),
            servicePrincipalRestrictions: restrictionsToWire(tenant.servicePrincipalRestrictions),
          },
        };
      }),
    },
    {
      name: graphRouteNames.appManagementPolicies,
      method: "GET",
      pattern: /^\/(?<version>v1\.0|beta)\/policies\/appManagementPolicies\/?$/,
      handler: authenticated(context, (req) => {
        const refused = denyWithout(context, req, graphRoles.policyRead);
        if (refused) return refused;
        return {
          status: 200,
          json: { "@odata.context": contextUrl(req, "policies/appManagementPolicies"), value: context.state.appManagement.policies.map(policyToWire) },
        };
      }),
    },
    {
      name: graphRouteNames.appAppManagementPolicies,
      method: "GET",
      pattern: applicationPath("/appManagementPolicies"),
      handler: authenticated(context, (req) => {
        const refused = denyWithout(context, req, graphRoles.policyRead);
        if (refused) return refused;
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const assigned = context.state.assignedPolicy(resolved.app);
        return {
          status: 200,
          json: { "@odata.context": contextUrl(req, "appManagementPolicies"), value: assigned ? [policyToWire(assigned)] : [] },
        };
      }),
    },
  ];
}
