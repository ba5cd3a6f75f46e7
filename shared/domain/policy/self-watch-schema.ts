import { z } from "zod";
import { positiveInt } from "./fields.js";
import { webhookUrl } from "./webhook-url.js";

export const selfWatchDefaults = { alertAfterFailedCycles: 2 } as const;

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const vaultSecretName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, "expected a Key Vault secret name (1-127 letters, digits and dashes)");

/** `selfWatch`: the watchdog watching itself (its own CircleCI token, failing cycles, a dead-man's switch). */
export const selfWatchSchema = z.strictObject({
  /** Pinged (GET) after every successful cycle; the URL is a secret, like webhook URLs. */
  heartbeatUrl: webhookUrl.optional(),
  /** One critical alert after this many failed or incomplete cycles in a row; one "resolved" when a cycle succeeds again. */
  alertAfterFailedCycles: positiveInt.default(selfWatchDefaults.alertAfterFailedCycles),
  /** The Key Vault secret CIRCLECI_TOKEN references: its `exp` is the token's expiry, alerted at the policy's thresholds. */
  circleciTokenSecret: vaultSecretName.optional(),
});

export type SelfWatchPolicy = z.output<typeof selfWatchSchema>;
