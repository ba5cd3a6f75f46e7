import pLimit from "p-limit";
import type { AlertDecisions } from "../../domain/alerts/decide.js";
import type { WebhookSink } from "../../ports/notifier.js";
import { ConcurrencyError, type StateStore } from "../../ports/state-store.js";
import type { OutboxRecord } from "./outbox-record.js";
import { messagesFor, type MessageOptions } from "./sink-messages.js";
import { ledgerStateKey, outboxStateKey } from "./state-keys.js";

export interface RecordResult {
  /** Outbox records written now (an alert, or a digest standing for many). */
  recorded: number;
  /** Records whose key was already taken: an earlier run recorded (or delivered) the same alert or digest. */
  alreadyRecorded: number;
}

// State round trips add up on Azure Tables; a few at a time keeps a cycle short without a burst.
const writeConcurrency = 8;

/**
 * Puts decided alerts into the outbox — per sink, one record per alert, or one per digest (sink-messages.ts) —
 * then updates the ledger.
 *
 * The order is what makes a crash harmless. Outbox first: a crash before the ledger is written leaves
 * the ledger as it was, so the next cycle decides the same alerts again, with the same ids (a digest's id
 * derives from its alerts' ids), and finds their outbox keys taken (`ifNoneMatch: "*"`, pending or delivered
 * tombstone): nothing is lost and nothing is queued twice. Ledger first would lose alerts: a crash after it
 * would leave the ledger saying "alerted" for alerts that were never queued.
 */
export async function recordAlerts(
  store: StateStore,
  decisions: AlertDecisions,
  sinks: WebhookSink[],
  now: Date,
  options: MessageOptions = {},
): Promise<RecordResult> {
  const limit = pLimit(writeConcurrency);
  const at = now.toISOString();
  let recorded = 0;
  let alreadyRecorded = 0;

  await Promise.all(
    sinks.flatMap((sink) =>
      messagesFor(sink, decisions.raise, options, now).map((message) =>
        limit(async () => {
          const record: OutboxRecord = { ...message, sink: sink.name, state: "pending", attempts: 0, createdAt: at, nextAttemptAt: at };
          const id = "alert" in message ? message.alert.id : message.digest.id;
          try {
            await store.put("outbox", outboxStateKey(id, sink.name), record, { ifNoneMatch: "*" });
            recorded += 1;
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            alreadyRecorded += 1;
          }
        }),
      ),
    ),
  );

  await Promise.all([
    ...decisions.ledger.put.map((entry) => limit(() => store.put("ledger", ledgerStateKey(entry.credential), entry))),
    ...decisions.ledger.remove.map((credential) => limit(() => store.delete("ledger", ledgerStateKey(credential)))),
  ]);
  return { recorded, alreadyRecorded };
}
