import type { Route } from "../../core/emulator.js";
import { effectiveRestrictions, refusePassword, type PasswordRefusal } from "../app-management-policy.js";
import type { DirectoryApp } from "../directory-state.js";
import { applicationPath, authenticated, contextUrl, missingCredentialReply, readJsonObject, resolveApplication, type GraphContext } from "../graph-context.js";
import { graphBadRequest } from "../graph-errors.js";
import { denyWrite } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import { passwordToWire } from "../wire.js";

// Graph's default lifetime of a password added without endDateTime.
const defaultLifetimeMs = 2 * 365 * 86_400_000;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidProperty(property: string): ReturnType<typeof graphBadRequest> {
  return graphBadRequest(`Invalid value specified for property '${property}' of resource 'PasswordCredential'.`);
}

function optionalDate(value: unknown): Date | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The 400 Entra answers a password its app management policy forbids, in the words the knob chooses: a public
 * report quotes "Credential lifetime exceeds the max value allowed as per assigned policy …"
 * (https://github.com/KelvinTegelaar/CIPP-API/pull/1970); no error code is documented, so a generic 400 is the
 * other variant.
 */
function policyRefusalReply(context: GraphContext, refusal: PasswordRefusal): ReturnType<typeof graphBadRequest> {
  if (context.knobs.policyRefusal === "generic") return graphBadRequest("One or more properties contains invalid values.", "BadRequest");
  return refusal.restriction === "passwordLifetime"
    ? graphBadRequest(`Credential lifetime exceeds the max value allowed as per assigned policy ${refusal.policyId}.`)
    : graphBadRequest("Password credentials are not allowed for this application as per the assigned app management policy.");
}

/** Why the tenant's app management policy forbids this password (none: it may be added). */
function policyRefusal(context: GraphContext, app: DirectoryApp, startMs: number, endMs: number): PasswordRefusal | undefined {
  const { state } = context;
  const assigned = state.assignedPolicy(app);
  return refusePassword({
    restrictions: effectiveRestrictions(state.appManagement.tenantDefault, assigned),
    policyId: assigned?.id ?? "00000000-0000-0000-0000-000000000000",
    appCreatedAt: app.createdDateTime,
    actorAttributes: state.managedIdentity.customSecurityAttributes,
    startMs,
    endMs,
  });
}

/** `POST …/addPassword` (the only answer that carries `secretText`) and `POST …/removePassword`. */
export function passwordRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.addPassword,
      method: "POST",
      pattern: applicationPath("/(?:microsoft\\.graph\\.)?addPassword"),
      handler: authenticated(context, async (req) => {
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const refused = denyWrite(context, req, resolved.app);
        if (refused) return refused;
        const read = await readJsonObject(req);
        if ("reply" in read) return read.reply;
        const requested = read.body.passwordCredential ?? {};
        if (typeof requested !== "object" || requested === null || Array.isArray(requested)) return invalidProperty("passwordCredential");
        const fields = requested as Record<string, unknown>;
        const displayName = fields.displayName ?? null;
        if (displayName !== null && typeof displayName !== "string") return invalidProperty("displayName");
        const start = optionalDate(fields.startDateTime);
        const end = optionalDate(fields.endDateTime);
        if (start === null) return invalidProperty("startDateTime");
        if (end === null) return invalidProperty("endDateTime");
        const startAt = start ?? context.state.now();
        const endAt = end ?? new Date(startAt.getTime() + defaultLifetimeMs);
        if (endAt.getTime() <= startAt.getTime()) {
          return graphBadRequest("Invalid value specified for property 'endDateTime' of resource 'PasswordCredential': it must be later than startDateTime.");
        }
        // Enforced when a secret is added, never on tokens of existing ones (application authentication methods overview).
        const refusal = policyRefusal(context, resolved.app, startAt.getTime(), endAt.getTime());
        if (refusal) return policyRefusalReply(context, refusal);
        const password = context.state.addPassword(resolved.app, {
          displayName,
          startDateTime: startAt.toISOString(),
          endDateTime: endAt.toISOString(),
        });
        return {
          status: 200,
          json: { "@odata.context": contextUrl(req, "microsoft.graph.passwordCredential"), ...passwordToWire(password, { withSecret: true }) },
        };
      }),
    },
    {
      name: graphRouteNames.removePassword,
      method: "POST",
      pattern: applicationPath("/(?:microsoft\\.graph\\.)?removePassword"),
      handler: authenticated(context, async (req) => {
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const refused = denyWrite(context, req, resolved.app);
        if (refused) return refused;
        const read = await readJsonObject(req);
        if ("reply" in read) return read.reply;
        const keyId = read.body.keyId;
        if (typeof keyId !== "string" || !guid.test(keyId)) return graphBadRequest("Invalid value specified for property 'keyId' of resource 'Application': expected a GUID.");
        if (!context.state.removePassword(resolved.app, keyId)) {
          return missingCredentialReply(context, keyId, () => graphBadRequest(`No password credential found with keyId ${keyId}.`));
        }
        return { status: 204 };
      }),
    },
  ];
}
