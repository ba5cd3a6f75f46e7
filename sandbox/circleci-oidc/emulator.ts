import { Emulator, type ErrorShaper } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import { circleciOidcHost, CircleCiOidcIssuer } from "./issuer.js";

export const circleciOidcRouteNames = { discovery: "oidc.discovery", jwks: "oidc.jwks" } as const;

const plainError: ErrorShaper = (status, message) => ({ status, json: { message } });
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `https://oidc.circleci.com` on 127.0.0.1: every organization's discovery document and JWKS. The documents
 * name CircleCI's real URLs; `localUrl` maps one of them to this emulator (what the sandbox's Entra uses to
 * find an issuer's keys), so the issuer a token and a federated credential carry stays exactly CircleCI's.
 */
export class CircleCiOidcEmulator extends Emulator {
  constructor(
    readonly issuer: CircleCiOidcIssuer = new CircleCiOidcIssuer(),
    options: { log?: RequestLog } = {},
  ) {
    const known = (orgId: string | undefined) => orgId !== undefined && uuid.test(orgId);
    super(
      {
        name: "circleci-oidc",
        errorShape: plainError,
        routes: [
          {
            name: circleciOidcRouteNames.discovery,
            method: "GET",
            pattern: "/org/:orgId/.well-known/openid-configuration",
            handler: (req) => (known(req.params.orgId) ? { status: 200, json: issuer.discovery(req.params.orgId!) } : plainError(404, "Not Found")),
          },
          {
            name: circleciOidcRouteNames.jwks,
            method: "GET",
            pattern: "/org/:orgId/.well-known/jwks-pub.json",
            handler: async (req) => (known(req.params.orgId) ? { status: 200, json: await issuer.jwks(req.params.orgId!) } : plainError(404, "Not Found")),
          },
        ],
      },
      options.log,
    );
  }

  /** This emulator's address for a URL on https://oidc.circleci.com; null for any other host. */
  localUrl(url: string): string | null {
    if (url !== circleciOidcHost && !url.startsWith(`${circleciOidcHost}/`)) return null;
    return `${this.url}${url.slice(circleciOidcHost.length)}`;
  }
}
