import { randomUUID } from "node:crypto";
import type { EmulatorReply, Route } from "../core/emulator.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryState } from "../graph/directory-state.js";
import { entraRouteNames } from "./route-names.js";

/** The path IDENTITY_ENDPOINT points at: `${entra.url}/msi/token`. */
export const managedIdentityPath = "/msi/token";

function refuse(status: number, message: string): EmulatorReply {
  return { status, json: { statusCode: status, message, correlationId: randomUUID() } };
}

/**
 * App Service / Functions managed identity (api-version 2019-08-01), what @azure/identity's
 * ManagedIdentityCredential calls when IDENTITY_ENDPOINT and IDENTITY_HEADER are set.
 */
export function managedIdentityRoutes(state: DirectoryState, tokens: TokenRegistry): Route[] {
  return [
    {
      name: entraRouteNames.managedIdentityToken,
      method: "GET",
      pattern: managedIdentityPath,
      handler: (req) => {
        const identity = state.managedIdentity;
        const header = req.headers["x-identity-header"];
        if (header !== identity.identityHeader) return refuse(401, "Unauthorized: the X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.");
        const apiVersion = req.query.get("api-version");
        if (apiVersion !== "2019-08-01") return refuse(400, `api-version '${apiVersion ?? ""}' is not supported; use 2019-08-01.`);
        const resource = req.query.get("resource");
        if (!resource) return refuse(400, "The 'resource' query parameter is required.");
        const clientId = req.query.get("client_id");
        const objectId = req.query.get("object_id") ?? req.query.get("principal_id");
        const wrongClient = clientId !== null && clientId.toLowerCase() !== identity.clientId.toLowerCase();
        const wrongObject = objectId !== null && objectId.toLowerCase() !== identity.principalId.toLowerCase();
        if (wrongClient || wrongObject) return refuse(400, "Unable to load the proper Managed Identity.");
        // Graph tokens carry the identity's app roles (application permissions) in effect at issuance.
        const roles = resource.replace(/\/$/, "") === "https://graph.microsoft.com" ? [...state.effectiveRoles(identity.clientId)] : undefined;
        const issued = tokens.issue({ audience: resource, tenantId: state.tenantId, appId: identity.clientId, objectId: identity.principalId, roles });
        return {
          status: 200,
          // App Service sends expires_on as a string of Unix seconds.
          json: { access_token: issued.token, expires_on: String(issued.expiresOn), resource, token_type: "Bearer", client_id: identity.clientId },
        };
      },
    },
  ];
}
