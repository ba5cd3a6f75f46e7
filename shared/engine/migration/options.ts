import type { BrokerMigrationSettings } from "../../domain/migration/index.js";
import type { RotationPolicy } from "../../domain/policy/index.js";
import type { PropagationOptions, TestRetryOptions } from "../rotation/index.js";

export interface MigrateOptions {
  /** CircleCI organization id (CIRCLECI_ORG_ID): the token issuer is https://oidc.circleci.com/org/<orgId>. */
  orgId: string;
  /** The Entra tenant of the app (AZURE_TENANT_ID): set as AZURE_TENANT_ID for the pipelines. */
  tenantId: string;
  /** The clock: every timestamp and the quiet period come from it. */
  now: () => Date;
  /** Who asked: "timer", "cli:<user>", "http:<principal>". */
  actor: string;
  /** The cycle's inventory read every source. Retiring needs it. */
  snapshotComplete: boolean;
  /** How late the sign-in report may be (WATCHDOG_SIGNIN_REPORTING_LAG_HOURS): quiet days count only up to now minus this. */
  signInReportingLagMs: number;
  /** oidc.mode: broker — BROKER_ISSUER_URL and the policy's broker.audience (absent: such a migration fails and says which). */
  broker?: BrokerMigrationSettings;
  /** Start again after a rollback (a person asked for it). */
  restart?: boolean;
  /** Ids for new migrations (default: a random UUID). */
  newMigrationId?: () => string;
  /** When a secret issued by a rollback counts as propagated (see rotateCredential). */
  propagation?: PropagationOptions;
  lease?: { ttlMs?: number; holderId?: string };
}

export interface RetireOptions extends MigrateOptions {
  /**
   * A person confirms that the pipelines no longer use the secret. Stands in for sign-in evidence when the
   * tenant cannot provide any (no licence, 403) or cannot tell which password is the secret, and for the wait
   * counted from the publication of the pipeline change when the evidence shows no use for the quiet period;
   * evidence that shows use is never overridden.
   */
  confirm: boolean;
}

export interface RollbackOptions {
  orgId: string;
  tenantId: string;
  now: () => Date;
  actor: string;
  /** The rotation policy of the client secret issued when the old one is gone (default: rotationDefaults). */
  rotation?: Partial<RotationPolicy>;
  /** How long the new secret is tried against the token endpoint (see rotateCredential). */
  testRetry?: TestRetryOptions;
  propagation?: PropagationOptions;
  lease?: { ttlMs?: number; holderId?: string };
}

/** What every run knows, whichever entry point started it. */
export interface RunOptions extends MigrateOptions {
  confirm: boolean;
}
