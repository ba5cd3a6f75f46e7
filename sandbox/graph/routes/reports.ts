import type { Route } from "../../core/emulator.js";
import type { DirectoryState } from "../directory-state.js";
import { authenticated, contextUrl, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphError } from "../graph-errors.js";
import { parseFilter, UnsupportedFilterError } from "../odata-filter.js";
import { paginate } from "../paging.js";
import { denyWithout, graphRoles } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import type { WireObject } from "../wire.js";

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as the documentation's examples write it: local time at UTC-8, offset without its leading zero. */
function withDocumentedOffset(iso: string): string {
  const ms = Date.parse(iso);
  // Anything a test stored that is not a timestamp goes out as it is: the emulator never repairs data.
  if (Number.isNaN(ms)) return iso;
  const local = new Date(ms - 8 * 3_600_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  return `${date}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}-8:00`;
}

/** One appCredentialSignInActivity per credential and resource with a sign-in the report shows yet (beta, Entra ID P1/P2). */
function activities(state: DirectoryState): WireObject[] {
  const written = (at: string) => (state.signInReport.timestamps === "offset" ? withDocumentedOffset(at) : at);
  return [...state.signIns.values()].flatMap((latest) => state.reportedSignIns(latest.keyId).map((reported) => ({ ...latest, lastSignInDateTime: reported.at, resourceId: reported.resourceId }))).map((signIn) => {
    const app = state.appByAppId(signIn.appId);
    const password = app?.passwordCredentials.find((p) => p.keyId.toLowerCase() === signIn.keyId.toLowerCase());
    return {
      id: Buffer.from(`${signIn.keyId}|${signIn.resourceId ?? ""}|application`).toString("base64"),
      keyId: signIn.keyId,
      keyType: "clientSecret",
      keyUsage: "verify",
      appId: signIn.appId,
      appObjectId: app?.id ?? null,
      servicePrincipalObjectId: null,
      resourceId: signIn.resourceId,
      credentialOrigin: "application",
      expirationDateTime: password?.endDateTime ?? null,
      signInActivity: {
        lastSignInDateTime: written(signIn.lastSignInDateTime),
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
        if (context.state.signInReport.shape === "object" && value[0]) {
          return { status: 200, json: { "@odata.context": contextUrl(req, "reports/appCredentialSignInActivities/$entity"), ...value[0] } };
        }
        const paged = paginate(req, value, context.state.signInReport.pageSize ?? context.maxPageSize);
        if ("reply" in paged) return paged.reply;
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, "reports/appCredentialSignInActivities"),
            value: paged.items,
            ...(paged.nextLink ? { "@odata.nextLink": paged.nextLink } : {}),
          },
        };
      }),
    },
  ];
}
