import { circleciIssuer, compareToken, readToken, type TokenComparison } from "../../domain/migration/index.js";
import type { OidcCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { appLabel } from "./steps/locate.js";

export type TokenCheckResult =
  | { ok: true; credential: string; app: string; comparison: TokenComparison }
  /** The input is not a token, or the app cannot be read: nothing was compared. */
  | { ok: false; credential: string; problem: string };

/**
 * `watchdog oidc check-token <name>`: decodes a CircleCI OIDC token a person pasted and compares its issuer,
 * subject and audience with the federated credentials on the credential's app, as Entra would. Reads only; the
 * token is neither stored nor repeated (claims only, never the signature).
 */
export async function checkOidcToken(ports: WatchdogPorts, credential: OidcCredential, raw: string, options: { orgId: string; now: Date }): Promise<TokenCheckResult> {
  const read = readToken(raw);
  if (!read.ok) return { ok: false, credential: credential.name, problem: read.problem };
  const app = await ports.directory.getApplication(credential.entra.appId);
  if (!app) return { ok: false, credential: credential.name, problem: `no Entra application with appId ${credential.entra.appId}` };
  const fics = await ports.directory.listFederatedCredentials(app.objectId);
  return {
    ok: true,
    credential: credential.name,
    app: appLabel(app),
    comparison: compareToken(read.token, { issuer: circleciIssuer(options.orgId), fics, now: options.now }),
  };
}
