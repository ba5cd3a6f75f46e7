import type { PolicyCredential, RotateCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import type { Vault } from "../../ports/vault.js";

/** How long the new secret is retried against the token endpoint while Entra propagates it. */
export interface TestRetryOptions {
  /** Token requests in all (default 8). */
  attempts?: number;
  /** First wait between attempts, doubling (default 1 s). */
  minDelayMs?: number;
  /** Longest wait between attempts (default 15 s): 8 attempts span about a minute. */
  maxDelayMs?: number;
}

/**
 * When a new secret counts as propagated, so that at the moment of the push every Entra front end accepts it.
 * Entra's token endpoint is replicated and a new secret reaches its replicas at different times: 4–18 s
 * observed (microsoftgraph/microsoft-graph-docs#17966), "a few minutes" in Microsoft's troubleshooting
 * articles (MicrosoftDocs/SupportArticles-docs#795: "usually 3–5 minutes" for app changes), no published
 * bound. One accepted token request only proves that one replica has it.
 */
export interface PropagationOptions {
  /** Accepted token requests in a row, none refused in between, before the push (default 3). */
  confirmations?: number;
  /** Wait between two of them, so they reach different front ends and span time (default 15 s). */
  spacingMs?: number;
  /** The push waits at least this long after the mint, whatever the token requests say (default 60 s). */
  settleMs?: number;
  /**
   * Graph reads made shortly after a write may not show it (Entra is eventually consistent): a password that
   * should be there but is not is looked for again this long later before anything is concluded (default 15 s).
   */
  readLagMs?: number;
}

export interface RotateOptions {
  /** The Entra tenant of the app (AZURE_TENANT_ID). */
  tenantId: string;
  /** The clock: every timestamp and every due time comes from it. */
  now: () => Date;
  /** Who asked: "timer", "cli:<user>", "http:<principal>", "queue". */
  actor: string;
  /** A person asked (CLI, HTTP): start even if the last rotation is recent. */
  manual: boolean;
  /** The cycle's inventory read every source. Retiring needs it; manual calls without an inventory pass false. */
  snapshotComplete: boolean;
  /**
   * The other policy credentials that bind the same Entra app (`otherCredentialsOfApp`): while any exist the
   * app's only password is never retired (their variables may hold it). Callers with the policy pass it.
   */
  appAlsoBoundBy?: readonly string[];
  /** Why the rotation starts (the plan step's reason); kept in the journal. */
  reason?: string;
  /** Rotation ids for new rotations (default: a random UUID). */
  newRotationId?: () => string;
  testRetry?: TestRetryOptions;
  /** When the new secret counts as propagated (settings WATCHDOG_PROPAGATION_*). */
  propagation?: PropagationOptions;
  lease?: { ttlMs?: number; holderId?: string };
}

export const defaultTestRetry: Required<TestRetryOptions> = { attempts: 8, minDelayMs: 1_000, maxDelayMs: 15_000 };

/** 60 s settle + 3 acceptances 15 s apart: the push comes at least 90 s after the mint, past the 4–18 s observed and into "minutes". */
export const defaultPropagation: Required<PropagationOptions> = { confirmations: 3, spacingMs: 15_000, settleMs: 60_000, readLagMs: 15_000 };

/** The ports a rotation needs, the vault among them (optional in WatchdogPorts). */
export type RotationPorts = Pick<WatchdogPorts, "ci" | "directory" | "tester" | "state"> & { vault: Vault };

/** Why this credential cannot be rotated at all, or null. */
export function rotationPrecondition(ports: WatchdogPorts, credential: PolicyCredential): string | null {
  if (credential.action !== "rotate") return `credential ${credential.name} has action: ${credential.action}; only action: rotate credentials are rotated`;
  if (!ports.vault) return `credential ${credential.name} rotates through Key Vault, but no vault is configured (KEY_VAULT_URL)`;
  return null;
}

export function isRotateCredential(credential: PolicyCredential): credential is RotateCredential {
  return credential.action === "rotate";
}
