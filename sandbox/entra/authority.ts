import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryApp, DirectoryPassword, DirectoryState } from "../graph/directory-state.js";
import { checkClientAssertion, jwtBearerAssertionType, type IssuerKeys } from "./federated/index.js";
import { oauthError } from "./oauth-errors.js";
import { entraRouteNames } from "./route-names.js";
import type { TokenReplica, TokenReplicas } from "./token-replicas.js";

export interface AuthorityOptions {
  state: DirectoryState;
  tokens: TokenRegistry;
  /** The front ends that answer token requests, each with its own propagation delays. */
  replicas: TokenReplicas;
  /** The AADSTS code an expired secret is refused with (see `ExpiredSecretCode`). */
  expiredSecretCode: () => ExpiredSecretCode;
  /** A federated identity credential created through Graph is not matched for this long (AADSTS70021 meanwhile). */
  federatedPropagationDelayMs: () => number;
  /** Where external issuers' signing keys are found (jwt-bearer client assertions); none: every assertion fails its signature check. */
  issuerKeys?: IssuerKeys;
}

/**
 * Entra refuses an expired client secret with AADSTS7000222 ("The provided client secret keys for app … are
 * expired": seen in public CI logs, e.g. Azure/azureml-examples actions run 5420647507, and in wire-facts.md).
 * Some documentation attributes AADSTS7000215 to expired secrets too, so the other variant is a knob.
 */
export type ExpiredSecretCode = 7000222 | 7000215;

function unknownTenant(tenant: string): EmulatorReply {
  return oauthError(
    400,
    "invalid_tenant",
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}

/** The OpenID configuration MSAL reads; it requires authorization_endpoint, token_endpoint, issuer and jwks_uri, and the issuer on the authority's host. */
function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  const root = `${base}/${tenant}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${root}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "oid", "appid"],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/** client_id/client_secret from the form body (client_secret_post) or an Authorization: Basic header. */
function clientCredentials(req: EmulatorRequest, form: URLSearchParams): { clientId: string | null; secret: string | null } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const [id, ...rest] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    return { clientId: decodeURIComponent(id ?? ""), secret: decodeURIComponent(rest.join(":")) };
  }
  return { clientId: form.get("client_id"), secret: form.get("client_secret") };
}

const invalidSecret = (appId: string) =>
  oauthError(
    401,
    "invalid_client",
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
  );

const expiredSecret = (appId: string, code: ExpiredSecretCode) =>
  code === 7000222
    ? oauthError(
        401,
        "invalid_client",
        7000222,
        `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      )
    : invalidSecret(appId);

const isExpired = (password: DirectoryPassword, now: Date) => now.getTime() >= new Date(password.endDateTime).getTime();

/** Does this replica take `secret` for the app: a live password it has heard of, or a removed one it has not heard is gone? */
export function replicaAccepts(replicas: TokenReplicas, replica: TokenReplica, state: DirectoryState, app: DirectoryApp, secret: string, now: Date): { keyId: string } | null {
  const at = now.getTime();
  const live = state.passwordWithValue(app, secret);
  if (live) return replicas.acceptsLive(replica, live, at) ? { keyId: live.keyId } : null;
  const removed = state.removedWithValue(app, secret).find((r) => replicas.acceptsRemoved(replica, r, at));
  return removed ? { keyId: removed.password.keyId } : null;
}

/**
 * The Entra authority at AZURE_AUTHORITY_HOST: OpenID discovery and the client-credentials grant with a
 * client secret or a federated client assertion, which the real ClientSecretCredential and ClientAssertionCredential
 * (MSAL) can use with disableInstanceDiscovery.
 */
export function authorityRoutes(options: AuthorityOptions): Route[] {
  const { state, tokens } = options;
  const knownTenant = (tenant: string) => tenant.toLowerCase() === state.tenantId.toLowerCase();
  return [
    {
      name: entraRouteNames.discovery,
      method: "GET",
      pattern: "/:tenant/v2.0/.well-known/openid-configuration",
      handler: (req) => {
        const tenant = req.params.tenant ?? "";
        if (!knownTenant(tenant)) return unknownTenant(tenant);
        return { status: 200, json: openIdConfiguration(req.baseUrl, state.tenantId) };
      },
    },
    {
      name: entraRouteNames.jwks,
      method: "GET",
      pattern: "/:tenant/discovery/v2.0/keys",
      // Sandbox tokens are HMAC-signed and checked by the emulators themselves: there is no public key to publish.
      handler: () => ({ status: 200, json: { keys: [] } }),
    },
    {
      name: entraRouteNames.token,
      method: "POST",
      pattern: "/:tenant/oauth2/v2.0/token",
      handler: async (req) => {
        const tenant = req.params.tenant ?? "";
        if (!knownTenant(tenant)) return unknownTenant(tenant);
        const form = new URLSearchParams((await req.rawBody()).toString("utf8"));
        const grantType = form.get("grant_type");
        if (grantType !== "client_credentials") {
          return oauthError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType ?? ""}'; this sandbox supports client_credentials.`);
        }
        const { clientId, secret } = clientCredentials(req, form);
        if (!clientId) return oauthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        const app = state.appByAppId(clientId);
        if (!app) {
          return oauthError(
            400,
            "unauthorized_client",
            700016,
            `Application with identifier '${clientId}' was not found in the directory '${state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
          );
        }
        const assertion = form.get("client_assertion");
        const assertionType = form.get("client_assertion_type");
        if (!secret && !assertion) {
          return oauthError(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
        }
        if (assertion && assertionType !== jwtBearerAssertionType) {
          return oauthError(400, "invalid_request", 50012, `The client_assertion_type '${assertionType ?? ""}' is not supported; expected '${jwtBearerAssertionType}'.`);
        }
        const scope = form.get("scope") ?? "";
        const resourceScope = scope.split(" ").find((s) => s.endsWith("/.default"));
        if (!resourceScope) {
          return oauthError(
            400,
            "invalid_scope",
            1002012,
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
          );
        }
        const now = state.now();
        if (assertion) {
          const checked = await checkClientAssertion({
            app,
            assertion,
            issuerKeys: options.issuerKeys ?? (() => Promise.resolve(null)),
            now,
            propagationDelayMs: options.federatedPropagationDelayMs(),
          });
          const resourceId = resourceScope.slice(0, -"/.default".length);
          if (!checked.ok) {
            // Refused exchanges are logged too (status.errorCode), without a federated credential when none matched.
            const code = (checked.reply.json as { error_codes?: unknown } | undefined)?.error_codes;
            const errorCode = Array.isArray(code) && typeof code[0] === "number" ? code[0] : 1;
            state.logServicePrincipalSignIn({ appId: app.appId, clientCredentialType: "federatedIdentityCredential", federatedCredentialId: null, servicePrincipalCredentialKeyId: null, errorCode, resourceId }, now);
            return checked.reply;
          }
          state.logServicePrincipalSignIn({ appId: app.appId, clientCredentialType: "federatedIdentityCredential", federatedCredentialId: checked.fic.id, servicePrincipalCredentialKeyId: null, errorCode: 0, resourceId }, now);
        } else {
          const password = state.passwordWithValue(app, secret ?? "");
          if (password && isExpired(password, now)) return expiredSecret(app.appId, options.expiredSecretCode());
          const accepted = replicaAccepts(options.replicas, options.replicas.next(), state, app, secret ?? "", now);
          if (!accepted) return invalidSecret(app.appId);
          state.recordSignIn(app.appId, accepted.keyId, now, resourceScope.slice(0, -"/.default".length));
          state.logServicePrincipalSignIn({ appId: app.appId, clientCredentialType: "clientSecret", federatedCredentialId: null, servicePrincipalCredentialKeyId: accepted.keyId, errorCode: 0, resourceId: resourceScope.slice(0, -"/.default".length) }, now);
        }
        const audience = resourceScope.slice(0, -"/.default".length);
        // App-only tokens carry the service principal's object id (`oid`) and, for Graph, the application
        // permissions granted to it (`roles`): "Microsoft identity platform access tokens", claims reference,
        // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference (roles, oid).
        const tracked = state.hasTrackedRoles(app.appId);
        const forGraph = audience.replace(/\/$/, "") === "https://graph.microsoft.com";
        const issued = tokens.issue({
          audience,
          tenantId: state.tenantId,
          appId: app.appId,
          ...(tracked ? { objectId: state.principalOf(app.appId) } : {}),
          ...(tracked && forGraph ? { roles: [...state.effectiveRoles(app.appId)] } : {}),
        });
        return {
          status: 200,
          headers: { "cache-control": "no-store, no-cache" },
          json: { token_type: "Bearer", expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token },
        };
      },
    },
  ];
}
