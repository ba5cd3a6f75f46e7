import { brokerFederation, circleciIssuer, compareBrokerToken, compareToken, readToken, type BrokerMigrationSettings, type TokenComparison } from "../../domain/migration/index.js";
import type { BrokerPolicy, OidcCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { resolveRoles } from "../broker/index.js";
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
export async function checkOidcToken(
  ports: WatchdogPorts,
  credential: OidcCredential,
  raw: string,
  options: { orgId: string; now: Date; broker?: { settings: BrokerMigrationSettings; policy: BrokerPolicy | undefined } },
): Promise<TokenCheckResult> {
  const read = readToken(raw);
  if (!read.ok) return { ok: false, credential: credential.name, problem: read.problem };
  const federation = brokerFederation(credential.oidc, options.broker?.settings);
  if (!federation.ok) return { ok: false, credential: credential.name, problem: federation.message };
  const app = await ports.directory.getApplication(credential.entra.appId);
  if (!app) return { ok: false, credential: credential.name, problem: `no Entra application with appId ${credential.entra.appId}` };
  const fics = await ports.directory.listFederatedCredentials(app.objectId);
  const issuer = circleciIssuer(options.orgId);
  const broker = federation.broker;
  if (!broker || !options.broker?.policy) {
    return { ok: true, credential: credential.name, app: appLabel(app), comparison: compareToken(read.token, { issuer, fics, now: options.now }) };
  }
  // The role as the broker would hold it: its project slugs and context names resolved to the ids tokens carry.
  const resolution = await resolveRoles(options.broker.policy, ports.ci, { only: broker.role });
  const role = resolution.ok ? resolution.roles.find((r) => r.name === broker.role) : undefined;
  const allow = role ? { ok: true as const, rules: role.allow } : { ok: false as const, problem: resolution.ok ? "not in broker.roles" : resolution.issues.join("; ") };
  return {
    ok: true,
    credential: credential.name,
    app: appLabel(app),
    comparison: compareBrokerToken(read.token, read.job, { circleciIssuer: issuer, broker, allow, ficAudience: credential.oidc.audience, fics, now: options.now }),
  };
}
