import type { OidcPolicy, Policy } from "../policy/index.js";

/** What a migration in `oidc.mode: broker` federates with: the broker's issuer and one role. */
export interface BrokerFederation {
  /** BROKER_ISSUER_URL, exactly: the `iss` of the broker's tokens. */
  issuer: string;
  role: string;
  /** broker.audience: what jobs ask CircleCI for before calling the broker. */
  audience: string;
}

/** The broker as a migration sees it: the setting and the policy's broker section (either may be missing). */
export interface BrokerMigrationSettings {
  issuerUrl?: string;
  audience?: string;
}

/** The broker a migration journal's oidc snapshot federates with (null: CircleCI's own tokens). */
export function journalBroker(oidc: { issuer: string; broker?: { role: string; audience: string } | null }): BrokerFederation | null {
  return oidc.broker ? { issuer: oidc.issuer, role: oidc.broker.role, audience: oidc.broker.audience } : null;
}

/** What a migration in oidc.mode: broker needs: the setting and the policy's broker audience (either may be missing). */
export function brokerSettings(issuerUrl: string | undefined, policy: Pick<Policy, "broker">): BrokerMigrationSettings {
  return { ...(issuerUrl ? { issuerUrl } : {}), ...(policy.broker ? { audience: policy.broker.audience } : {}) };
}

export type BrokerFederationResult = { ok: true; broker: BrokerFederation | null } | { ok: false; message: string };

/** null in mode: direct; in mode: broker, the issuer and audience it needs, or what is missing (nothing is federated then). */
export function brokerFederation(oidc: Pick<OidcPolicy, "mode" | "role">, settings: BrokerMigrationSettings | undefined): BrokerFederationResult {
  if (oidc.mode !== "broker") return { ok: true, broker: null };
  if (!oidc.role) return { ok: false, message: "oidc.mode: broker needs oidc.role" };
  if (!settings?.issuerUrl) {
    return {
      ok: false,
      message: `oidc.mode: broker needs the setting BROKER_ISSUER_URL: it is the issuer of role ${oidc.role}'s federated credential, exactly (README "OIDC broker", set-up); nothing was changed`,
    };
  }
  if (!settings.audience) return { ok: false, message: `oidc.mode: broker needs the policy's broker section (broker.audience and broker.roles with ${oidc.role})` };
  return { ok: true, broker: { issuer: settings.issuerUrl, role: oidc.role, audience: settings.audience } };
}
