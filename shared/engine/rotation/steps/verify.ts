import pRetry, { AbortError } from "p-retry";
import { recordVerified } from "../../../domain/rotation/index.js";
import { parseInstant } from "../../../domain/time.js";
import type { SecretValue } from "../../../domain/secret-value.js";
import { defaultTestRetry } from "../options.js";
import type { RotationRun } from "../run.js";
import { newValue } from "./new-value.js";

class NotYetAccepted extends Error {}

/** The new secret's end has passed by our clock: no wait makes Entra accept it, whatever code it answered. */
function expiredAt(run: RotationRun): string | undefined {
  const end = parseInstant(run.journal.minted?.endDateTime);
  return end && end.getTime() <= Date.parse(run.at()) ? end.toISOString() : undefined;
}

/**
 * Acquires a token with the new secret, retrying with backoff while Entra may still be propagating it
 * (invalid_client on a brand-new secret) or the token endpoint is unavailable; a refusal that no wait can
 * change (unknown app or tenant, expired secret: AADSTS7000222, or any refusal once its endDateTime has
 * passed, since some documentation has Entra answer 7000215 for that too) fails at once. Returns the attempts made.
 */
async function acquireToken(run: RotationRun, value: SecretValue): Promise<number> {
  const retry = { ...defaultTestRetry, ...run.options.testRetry };
  let attempts = 0;
  await pRetry(
    async () => {
      attempts += 1;
      const answer = await run.call("entra", () => run.ports.tester.test(run.options.tenantId, run.journal.app.appId, value));
      if (answer.ok) return;
      const expired = expiredAt(run);
      if (expired) throw new AbortError(`Entra refused the new secret: it expired at ${expired} (${answer.reason})`);
      if (!answer.retryable) throw new AbortError(`Entra refused the new secret: ${answer.reason}`);
      throw new NotYetAccepted(answer.reason);
    },
    { retries: Math.max(0, retry.attempts - 1), minTimeout: retry.minDelayMs, maxTimeout: retry.maxDelayMs, factor: 2, randomize: false },
  ).catch((error: unknown) => {
    if (error instanceof NotYetAccepted) throw new Error(`Entra did not accept the new secret after ${attempts} attempts: ${error.message}`);
    throw error;
  });
  return attempts;
}

/**
 * Proves the new value before it is pushed, so that CircleCI only ever holds a value Entra accepts (the
 * issue lists verify after the push; a value proven before the push keeps the invariant at every moment).
 */
export async function verifyNewSecret(run: RotationRun): Promise<void> {
  await run.perform("verify", async () => {
    const value = await newValue(run);
    const attempts = await acquireToken(run, value);
    const journal = run.journal;
    await run.save(recordVerified(journal, run.at(), attempts));
    run.record("verify", "done", `key ${journal.minted?.keyId ?? "?"} accepted after ${attempts} attempt(s)`);
    await run.audit("rotation.verified", { rotationId: journal.rotationId, appId: journal.app.appId, keyId: journal.minted?.keyId ?? null, attempts });
  });
}
