import type { Route } from "../../core/emulator.js";
import type { DirectoryState } from "../directory-state.js";
import { authenticated, contextUrl, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphError } from "../graph-errors.js";
import { parseFilter, UnsupportedFilterError } from "../odata-filter.js";
import { denyWithout, graphRoles } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import type { WireObject } from "../wire.js";

/** One appCredentialSignInActivity per credential with a recorded sign-in (beta, Entra ID P1/P2). */
function activities(state: DirectoryState): WireObject[] {
  return [...state.signIns.values()].map((signIn) => {
    const app = state.appByAppId(signIn.appId);
    const password = app?.passwordCredentials.find((p) => p.keyId.toLowerCase() === signIn.keyId.toLowerCase());
    return {
      id: Buffer.from(`${signIn.keyId}|application`).toString("base64"),
      keyId: signIn.keyId,
      keyType: "clientSecret",
      keyUsage: "verify",
      appId: signIn.appId,
      appObjectId: app?.id ?? null,
      servicePrincipalObjectId: null,
      resourceId: null,
      credentialOrigin: "application",
      expirationDateTime: password?.endDateTime ?? null,
      signInActivity: {
        lastSignInDateTime: signIn.lastSignInDateTime,
        lastSignInRequestId: Buffer.from(`${signIn.keyId}|${signIn.lastSignInDateTime}`).toString("hex").slice(0, 32),
      },
    };
  });
}

/** `GET /beta/reports/appCredentialSignInActivities?$filter=keyId eq '…'`. */
export function reportRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.signInActivities,
      method: "GET",
      pattern: /^\/(?<version>beta)\/reports\/appCredentialSignInActivities\/?$/,
      handler: authenticated(context, (req) => {
        const refused = denyWithout(context, req, graphRoles.auditLog);
        if (refused) return refused;
        if (!context.state.signInReportsAvailable) {
          return graphError(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license");
        }
        let value = activities(context.state);
        const filter = req.query.get("$filter");
        if (filter !== null) {
          try {
            value = value.filter(parseFilter(filter));
          } catch (error) {
            const detail = error instanceof UnsupportedFilterError ? error.message : String(error);
            return graphBadRequest(`Invalid filter clause: ${detail}.`, "BadRequest");
          }
        }
        return { status: 200, json: { "@odata.context": contextUrl(req, "reports/appCredentialSignInActivities"), value } };
      }),
    },
  ];
}
