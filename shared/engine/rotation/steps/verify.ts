import { setTimeout as sleep } from "node:timers/promises";
import pRetry, { AbortError } from "p-retry";
import { recordVerified, type RotationJournal } from "../../../domain/rotation/index.js";
import { parseInstant } from "../../../domain/time.js";
import type { SecretValue } from "../../../domain/secret-value.js";
import { defaultPropagation, defaultTestRetry } from "../options.js";
import type { RotationRun } from "../run.js";
import { newValue } from "./new-value.js";

class NotYetAccepted extends Error {}

/** The new secret's end has passed by our clock: no wait makes Entra accept it, whatever code it answered. */
function expiredAt(run: RotationRun): string | undefined {
  const end = parseInstant(run.journal.minted?.endDateTime);
  return end && end.getTime() <= Date.parse(run.at()) ? end.toISOString() : undefined;
}

/**
 * When the current rotation's password was minted (or adopted by a reconciliation), from the journal's
 * history; null when the history does not say — then the whole settle time is waited.
 */
export function mintedAt(journal: RotationJournal): number | null {
  const entry = journal.history.findLast(
    (h) => h.rotationId === journal.rotationId && h.outcome === "done" && (h.step === "mint" || h.step === "reconcile"),
  );
  return entry ? new Date(entry.at).getTime() : null;
}

/**
 * Token requests with the new secret until `confirmations` in a row are accepted, `spacingMs` apart. A refusal
 * that waiting can change (a front end that has not heard of the secret yet, the endpoint unavailable) breaks
 * the streak and starts a new one after a backoff; one that no wait can change (unknown app or tenant, expired
 * secret: AADSTS7000222, or any refusal once its endDateTime has passed, since some documentation has Entra
 * answer 7000215 for that too) fails at once. Returns the token requests made.
 */
async function confirmAcceptance(run: RotationRun, value: SecretValue): Promise<number> {
  const retry = { ...defaultTestRetry, ...run.options.testRetry };
  const { confirmations, spacingMs } = { ...defaultPropagation, ...run.options.propagation };
  let attempts = 0;
  await pRetry(
    async () => {
      for (let accepted = 0; accepted < Math.max(1, confirmations); accepted += 1) {
        if (accepted > 0) await sleep(spacingMs);
        attempts += 1;
        const answer = await run.call("entra", () => run.ports.tester.test(run.options.tenantId, run.journal.app.appId, value));
        if (answer.ok) continue;
        const expired = expiredAt(run);
        if (expired) throw new AbortError(`Entra refused the new secret: it expired at ${expired} (${answer.reason})`);
        if (!answer.retryable) throw new AbortError(`Entra refused the new secret: ${answer.reason}`);
        throw new NotYetAccepted(accepted > 0 ? `${answer.reason} (after ${accepted} acceptance(s) in a row: not every front end has it yet)` : answer.reason);
      }
    },
    { retries: Math.max(0, retry.attempts - 1), minTimeout: retry.minDelayMs, maxTimeout: retry.maxDelayMs, factor: 2, randomize: false },
  ).catch((error: unknown) => {
    if (error instanceof NotYetAccepted) throw new Error(`Entra did not accept the new secret after ${attempts} attempts (${confirmations} in a row needed): ${error.message}`);
    throw error;
  });
  return attempts;
}

/**
 * "Verified" means propagated: the value is pushed to CircleCI only once the settle time since the mint has
 * passed and then several token requests in a row, spread over time, were accepted. Runs before the push (the
 * issue lists verify after it), so that CircleCI only ever holds a value every Entra front end accepts.
 */
export async function verifyNewSecret(run: RotationRun): Promise<void> {
  await run.perform("verify", async () => {
    const value = await newValue(run);
    const { settleMs } = { ...defaultPropagation, ...run.options.propagation };
    const minted = mintedAt(run.journal);
    const settleLeft = minted === null ? settleMs : settleMs - (run.options.now().getTime() - minted);
    if (settleLeft > 0) await sleep(settleLeft);
    const attempts = await confirmAcceptance(run, value);
    const journal = run.journal;
    await run.save(recordVerified(journal, run.at(), attempts));
    run.record("verify", "done", `key ${journal.minted?.keyId ?? "?"} accepted ${attempts === 1 ? "once" : `on the last of ${attempts} token requests, several in a row,`} after a settle of ${Math.max(0, Math.round(settleLeft))} ms`);
    await run.audit("rotation.verified", { rotationId: journal.rotationId, appId: journal.app.appId, keyId: journal.minted?.keyId ?? null, attempts });
  });
}
