export { isFirstCycle, loadLedger, markAnnounced } from "./ledger-store.js";
export { recordAlerts, type RecordResult } from "./record-alerts.js";
export { deliverPending, AlertDeliveryError, type DeliverOptions, type Delivered, type DeliveryCycleResult } from "./deliver-pending.js";
export { outboxSubject, type OutboxRecord } from "./outbox-record.js";
export { isChatSink, messagesFor, type MessageOptions, type SinkMessage } from "./sink-messages.js";
export { outboxStateKey, ledgerStateKey } from "./state-keys.js";
export { nextAttemptAt, defaultRetrySchedule, type RetrySchedule } from "./retry-schedule.js";
export { StoredAlertStateError } from "./stored-schemas.js";
