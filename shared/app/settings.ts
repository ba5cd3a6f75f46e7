import { identityStorageEndpoints, type IdentityStorageEndpoints } from "../adapters/state/azure/index.js";
import type { PropagationOptions } from "../engine/rotation/index.js";
import { BadInputError } from "./errors.js";
import { z } from "zod";

/** Settings of contract §1, read from the environment (Function App settings, local.settings.json, the shell). */
export interface Settings {
  /** `maxConcurrency`: WATCHDOG_CIRCLECI_MAX_CONCURRENCY, the cap CircleCI requests in flight may grow to (the adapter's default when unset). */
  circleci: { token?: string; orgId?: string; apiUrl: string; maxConcurrency?: number };
  tenantId?: string;
  graphUrl: string;
  keyVaultUrl?: string;
  /** The vault's name as Key Vault events give it (`VaultName`): KEY_VAULT_NAME, else the first label of KEY_VAULT_URL's host. */
  keyVaultName?: string;
  policyPath: string;
  schedule: string;
  storageConnection?: string;
  /** Identity-based storage (AzureWebJobsStorage__accountName / __tableServiceUri + __queueServiceUri), used with the managed identity. */
  storageIdentity?: IdentityStorageEndpoints;
  stateDir: string;
  authorityHost: string;
  /** More rotations than this in one cycle fan out to the rotation-jobs queue (needs AzureWebJobsStorage). */
  fanOutAbove: number;
  /** Where people see the status page (GET /api/report behind your sign-in): digests link to it. */
  reportUrl?: string;
  /** A refresh asked within this many seconds of the stored read's takenAt answers from it. */
  refreshMinIntervalSeconds: number;
  /** WATCHDOG_SIGNIN_REPORTING_LAG_HOURS: how late Graph's sign-in report may be; quiet days count only up to now minus this. */
  signInReportingLagHours: number;
  /** When a new client secret counts as propagated (WATCHDOG_PROPAGATION_*); unset fields take the engine's defaults. */
  propagation: PropagationOptions;
  /** WATCHDOG_IDENTITY_PRINCIPAL_ID: the watchdog's service principal object id, which `grant-ownership` makes an owner (azd outputs it). */
  identityPrincipalId?: string;
  /** The OIDC broker (absent without BROKER_ISSUER_URL: its endpoints then answer 404). */
  broker?: BrokerSettings;
}

export interface BrokerSettings {
  /** BROKER_ISSUER_URL: the `iss` of the broker's tokens and the issuer of the roles' federated credentials, exactly. */
  issuerUrl: string;
  /** BROKER_KEY_NAME: the RSA key in KEY_VAULT_URL that signs (default watchdog-broker). */
  keyName: string;
  /** CIRCLECI_OIDC_URL: where CircleCI's OIDC keys are read (default https://oidc.circleci.com). */
  circleciOidcUrl: string;
  keyActivationMs: number;
  keyOverlapMs: number;
  ratePerMinute: number;
  refusalAlertThreshold: number;
}

export class SettingsError extends BadInputError {
  constructor(issues: string[]) {
    super("settings", issues);
    this.name = "SettingsError";
  }
}

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected a UUID");
const httpsUrl = z
  .string()
  .url("expected a URL")
  .refine((u) => u.startsWith("https://"), "expected an https:// URL")
  .transform((u) => u.replace(/\/+$/, ""));
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

// Fractions allowed (0.05 = 50 ms), at most an hour: a rotation waits this long inline.
const seconds = z.coerce.number("expected a number of seconds").min(0, "expected 0 or more").max(3600, "expected at most 3600 seconds");

// A key version is published this long before it signs, and kept this long after it stopped (fractions allowed, up to 30 days).
const keySeconds = z.coerce.number("expected a number of seconds").min(0, "expected 0 or more").max(30 * 86_400, "expected at most 2592000 seconds (30 days)");

/** Defaults of the broker's settings: a day for Entra to pick up a new key (its caching is undocumented), a day of overlap. */
export const brokerSettingDefaults = { keyName: "watchdog-broker", circleciOidcUrl: "https://oidc.circleci.com", keyActivationSeconds: 86_400, keyOverlapSeconds: 86_400, ratePerMinute: 120, refusalAlertThreshold: 20 } as const;

const envSchema = z.object({
  CIRCLECI_TOKEN: optional(z.string().min(1)),
  CIRCLECI_ORG_ID: optional(uuid),
  CIRCLECI_API_URL: optional(httpsUrl),
  AZURE_TENANT_ID: optional(uuid),
  GRAPH_API_URL: optional(httpsUrl),
  KEY_VAULT_URL: optional(httpsUrl),
  // Key Vault names: 3-24 letters, digits and dashes, starting with a letter (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates).
  KEY_VAULT_NAME: optional(z.string().regex(/^[a-zA-Z][0-9a-zA-Z-]{2,23}$/, "expected a Key Vault name (3-24 letters, digits and dashes, starting with a letter)")),
  WATCHDOG_POLICY: optional(z.string().min(1)),
  WATCHDOG_SCHEDULE: optional(z.string().regex(/^\S+( \S+){5}$/, "expected a six-field NCRONTAB expression")),
  AzureWebJobsStorage: optional(z.string().min(1)),
  WATCHDOG_STATE_DIR: optional(z.string().min(1)),
  AZURE_AUTHORITY_HOST: optional(httpsUrl),
  WATCHDOG_FANOUT_THRESHOLD: optional(z.coerce.number().int("expected a whole number").min(0, "expected 0 or more")),
  WATCHDOG_REPORT_URL: optional(z.string().url("expected a URL").refine((u) => u.startsWith("https://"), "expected an https:// URL")),
  WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS: optional(z.coerce.number().int("expected a whole number of seconds").min(0, "expected 0 or more")),
  WATCHDOG_SIGNIN_REPORTING_LAG_HOURS: optional(z.coerce.number().int("expected a whole number of hours").min(0, "expected 0 or more").max(24 * 30, "expected at most 720 (30 days)")),
  WATCHDOG_PROPAGATION_CONFIRMATIONS: optional(z.coerce.number().int("expected a whole number").min(1, "expected 1 or more").max(20, "expected at most 20")),
  WATCHDOG_PROPAGATION_SPACING_SECONDS: optional(seconds),
  WATCHDOG_PROPAGATION_SETTLE_SECONDS: optional(seconds),
  WATCHDOG_PROPAGATION_READ_LAG_SECONDS: optional(seconds),
  WATCHDOG_IDENTITY_PRINCIPAL_ID: optional(uuid),
  BROKER_ISSUER_URL: optional(httpsUrl),
  BROKER_KEY_NAME: optional(z.string().regex(/^[0-9A-Za-z-]{1,127}$/, "a Key Vault key name is letters, digits and - only (at most 127)")),
  CIRCLECI_OIDC_URL: optional(httpsUrl),
  BROKER_KEY_ACTIVATION_SECONDS: optional(keySeconds),
  BROKER_KEY_OVERLAP_SECONDS: optional(keySeconds),
  BROKER_RATE_LIMIT_PER_MINUTE: optional(z.coerce.number().int("expected a whole number").min(1, "expected 1 or more").max(100_000, "expected at most 100000")),
  BROKER_REFUSAL_ALERT_THRESHOLD: optional(z.coerce.number().int("expected a whole number").min(1, "expected 1 or more")),
  WATCHDOG_CIRCLECI_MAX_CONCURRENCY: optional(z.coerce.number().int("expected a whole number").min(1, "expected 1 or more").max(256, "expected at most 256")),
});

/** Every setting the app reads by name (infra/modules/function-app.bicep must set each or say it keeps the default). */
export const settingNames: readonly string[] = Object.keys(envSchema.shape);

/** Microsoft documents the sign-in activity reports as arriving late: hours, at times a day or more. */
export const defaultSignInReportingLagHours = 48;

/**
 * Parses settings from an environment. Errors name the setting and never echo its value (a token or
 * connection string could be in it).
 */
export function readSettings(env: Record<string, string | undefined>): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const e = parsed.data;
  let storageIdentity: IdentityStorageEndpoints | undefined;
  try {
    storageIdentity = e.AzureWebJobsStorage ? undefined : identityStorageEndpoints(env);
  } catch (error) {
    throw new SettingsError([error instanceof Error ? error.message : String(error)]);
  }
  return {
    circleci: {
      token: e.CIRCLECI_TOKEN,
      orgId: e.CIRCLECI_ORG_ID,
      apiUrl: e.CIRCLECI_API_URL ?? "https://circleci.com/api/v2",
      ...(e.WATCHDOG_CIRCLECI_MAX_CONCURRENCY !== undefined ? { maxConcurrency: e.WATCHDOG_CIRCLECI_MAX_CONCURRENCY } : {}),
    },
    tenantId: e.AZURE_TENANT_ID,
    graphUrl: e.GRAPH_API_URL ?? "https://graph.microsoft.com",
    keyVaultUrl: e.KEY_VAULT_URL,
    ...vaultNameOf(e.KEY_VAULT_NAME, e.KEY_VAULT_URL),
    policyPath: e.WATCHDOG_POLICY ?? "watchdog.policy.yaml",
    schedule: e.WATCHDOG_SCHEDULE ?? "0 0 * * * *",
    storageConnection: e.AzureWebJobsStorage,
    storageIdentity,
    stateDir: e.WATCHDOG_STATE_DIR ?? ".watchdog",
    authorityHost: (e.AZURE_AUTHORITY_HOST ?? "https://login.microsoftonline.com").replace(/\/+$/, ""),
    fanOutAbove: e.WATCHDOG_FANOUT_THRESHOLD ?? 10,
    ...(e.WATCHDOG_REPORT_URL ? { reportUrl: e.WATCHDOG_REPORT_URL } : {}),
    refreshMinIntervalSeconds: e.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS ?? 300,
    signInReportingLagHours: e.WATCHDOG_SIGNIN_REPORTING_LAG_HOURS ?? defaultSignInReportingLagHours,
    propagation: {
      ...(e.WATCHDOG_PROPAGATION_CONFIRMATIONS !== undefined ? { confirmations: e.WATCHDOG_PROPAGATION_CONFIRMATIONS } : {}),
      ...(e.WATCHDOG_PROPAGATION_SPACING_SECONDS !== undefined ? { spacingMs: Math.round(e.WATCHDOG_PROPAGATION_SPACING_SECONDS * 1000) } : {}),
      ...(e.WATCHDOG_PROPAGATION_SETTLE_SECONDS !== undefined ? { settleMs: Math.round(e.WATCHDOG_PROPAGATION_SETTLE_SECONDS * 1000) } : {}),
      ...(e.WATCHDOG_PROPAGATION_READ_LAG_SECONDS !== undefined ? { readLagMs: Math.round(e.WATCHDOG_PROPAGATION_READ_LAG_SECONDS * 1000) } : {}),
    },
    ...(e.WATCHDOG_IDENTITY_PRINCIPAL_ID ? { identityPrincipalId: e.WATCHDOG_IDENTITY_PRINCIPAL_ID } : {}),
    ...(e.BROKER_ISSUER_URL
      ? {
          broker: {
            issuerUrl: e.BROKER_ISSUER_URL,
            keyName: e.BROKER_KEY_NAME ?? brokerSettingDefaults.keyName,
            circleciOidcUrl: e.CIRCLECI_OIDC_URL ?? brokerSettingDefaults.circleciOidcUrl,
            keyActivationMs: Math.round((e.BROKER_KEY_ACTIVATION_SECONDS ?? brokerSettingDefaults.keyActivationSeconds) * 1000),
            keyOverlapMs: Math.round((e.BROKER_KEY_OVERLAP_SECONDS ?? brokerSettingDefaults.keyOverlapSeconds) * 1000),
            ratePerMinute: e.BROKER_RATE_LIMIT_PER_MINUTE ?? brokerSettingDefaults.ratePerMinute,
            refusalAlertThreshold: e.BROKER_REFUSAL_ALERT_THRESHOLD ?? brokerSettingDefaults.refusalAlertThreshold,
          },
        }
      : {}),
  };
}

/** `https://<name>.vault.azure.net` names its vault; an address such as an IP literal names none (then KEY_VAULT_NAME must). */
function vaultNameOf(setting: string | undefined, vaultUrl: string | undefined): { keyVaultName?: string } {
  if (setting) return { keyVaultName: setting };
  const label = vaultUrl ? new URL(vaultUrl).hostname.split(".")[0] : undefined;
  return label && /^[a-zA-Z][0-9a-zA-Z-]{2,23}$/.test(label) ? { keyVaultName: label } : {};
}

/** The settings a policy needs: CircleCI and the tenant always, the vault once anything rotates. */
export function requireSettingsFor(settings: Settings, needs: { vault: boolean }): void {
  const missing: string[] = [];
  if (!settings.circleci.token) missing.push("CIRCLECI_TOKEN: required (CircleCI personal API token)");
  if (!settings.circleci.orgId) missing.push("CIRCLECI_ORG_ID: required (CircleCI organization id, a UUID)");
  if (!settings.tenantId) missing.push("AZURE_TENANT_ID: required (Entra tenant of the managed apps)");
  if (needs.vault && !settings.keyVaultUrl) missing.push("KEY_VAULT_URL: required because a credential has action: rotate");
  if (missing.length > 0) throw new SettingsError(missing);
}
