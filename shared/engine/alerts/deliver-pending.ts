import pLimit, { type LimitFunction } from "p-limit";
import type { Alert } from "../../domain/alert.js";
import { redactUrlParts } from "../../domain/alerts/redact.js";
import type { DeliveryResult, Notifier, WebhookSink } from "../../ports/notifier.js";
import { ConcurrencyError, type AuditEntry, type StateStore, type StoredRecord } from "../../ports/state-store.js";
import type { OutboxRecord } from "./outbox-record.js";
import { defaultRetrySchedule, nextAttemptAt, type RetrySchedule } from "./retry-schedule.js";
import { outboxRecordSchema, parseStored } from "./stored-schemas.js";

export interface DeliverOptions {
  /** Deliveries in flight at once, across all sinks. */
  concurrency: number;
  /** Who the audit entries name: "timer", "cli:<user>", … */
  actor?: string;
  retry?: Partial<RetrySchedule>;
  /** How long a deliverer holds a record it is sending. */
  claimSeconds?: number;
  /** Delivered records are kept this long as de-duplication tombstones, then pruned. */
  keepDeliveredDays?: number;
}

export interface DeliveryCycleResult {
  sent: number;
  failed: number;
  /** Records still waiting after this cycle (failed, not yet due, or held back behind a failing sink). */
  pending: number;
  /** Pending records dropped because their sink left the policy. */
  dropped: number;
  delivered: Array<{ alert: Alert; sink: string }>;
}

export class AlertDeliveryError extends Error {
  constructor(
    readonly problems: string[],
    readonly partial: DeliveryCycleResult,
  ) {
    super(`alert delivery: ${problems.length} state operation(s) failed: ${problems.join("; ")}`);
    this.name = "AlertDeliveryError";
  }
}

type Outboxed = StoredRecord<OutboxRecord>;

const DAY_MS = 86_400_000;

interface Context {
  store: StateStore;
  notifier: Notifier;
  now: Date;
  actor: string;
  schedule: RetrySchedule;
  claimSeconds: number;
  limit: LimitFunction;
  result: DeliveryCycleResult;
}

/** A delivery error as it may be stored and audited: without the sink's URL or signing secret. */
function scrub(text: string, sink: WebhookSink): string {
  const withoutUrl = redactUrlParts(text, sink.url);
  return sink.signingSecret ? withoutUrl.split(sink.signingSecret).join("[redacted]") : withoutUrl;
}

async function audit(ctx: Context, event: string, record: OutboxRecord, details: AuditEntry["details"]): Promise<void> {
  await ctx.store.appendAudit({
    at: ctx.now.toISOString(),
    event,
    actor: ctx.actor,
    subject: record.alert.credential,
    details: { alertId: record.alert.id, kind: record.alert.kind, sink: record.sink, ...details },
  });
}

/** Takes the record for this deliverer; false when another one changed it first. */
async function claim(ctx: Context, record: Outboxed): Promise<Outboxed | null> {
  const value: OutboxRecord = { ...record.value, claimedUntil: new Date(ctx.now.getTime() + ctx.claimSeconds * 1000).toISOString() };
  try {
    const etag = await ctx.store.put("outbox", record.key, value, { ifMatch: record.etag });
    return { key: record.key, value, etag };
  } catch (error) {
    if (error instanceof ConcurrencyError) return null;
    throw error;
  }
}

async function send(ctx: Context, sink: WebhookSink, alert: Alert): Promise<DeliveryResult> {
  try {
    return await ctx.limit(() => ctx.notifier.send(sink, alert, ctx.now));
  } catch (error) {
    // A notifier should answer with a DeliveryResult; a throw is still only this record's failure.
    return { ok: false, error: error instanceof Error ? error.message : String(error), retryable: true };
  }
}

/** Returns false when the sink should get no more attempts this cycle. */
async function deliverOne(ctx: Context, sink: WebhookSink, record: Outboxed): Promise<boolean> {
  const claimed = await claim(ctx, record);
  if (!claimed) return true;
  const result = await send(ctx, sink, claimed.value.alert);
  const at = ctx.now.toISOString();
  const attempts = claimed.value.attempts + 1;
  const { claimedUntil: _released, ...base } = claimed.value;

  if (result.ok) {
    const delivered: OutboxRecord = { ...base, state: "delivered", attempts, lastAttemptAt: at, lastStatus: result.status, deliveredAt: at };
    await putIgnoringRace(ctx, claimed, delivered);
    ctx.result.sent += 1;
    ctx.result.delivered.push({ alert: claimed.value.alert, sink: sink.name });
    await audit(ctx, "alert.sent", claimed.value, { sinkKind: sink.kind, status: result.status, attempts });
    return true;
  }

  const error = scrub(result.error, sink);
  const next = nextAttemptAt(ctx.now, attempts, result.retryAfterSeconds, ctx.schedule);
  const failed: OutboxRecord = {
    ...base,
    attempts,
    nextAttemptAt: next,
    lastAttemptAt: at,
    ...(result.status !== undefined ? { lastStatus: result.status } : {}),
    lastError: error,
  };
  await putIgnoringRace(ctx, claimed, failed);
  ctx.result.failed += 1;
  await audit(ctx, "alert.failed", claimed.value, {
    sinkKind: sink.kind,
    status: result.status ?? null,
    error,
    retryable: result.retryable,
    attempts,
    nextAttemptAt: next,
  });
  // A sink that is down or rate-limiting would only fail again; a rejected payload concerns one alert.
  return !result.retryable;
}

async function putIgnoringRace(ctx: Context, claimed: Outboxed, value: OutboxRecord): Promise<void> {
  try {
    await ctx.store.put("outbox", claimed.key, value, { ifMatch: claimed.etag });
  } catch (error) {
    // Our claim ran out and another deliverer took over: its outcome stands.
    if (!(error instanceof ConcurrencyError)) throw error;
  }
}

async function deliverToSink(ctx: Context, sink: WebhookSink, records: Outboxed[]): Promise<void> {
  // One sink's alerts go in the order they were raised: "expiring" before its "resolved".
  for (const record of records) {
    if (!(await deliverOne(ctx, sink, record))) return;
  }
}

async function deleteIgnoringRace(store: StateStore, record: Outboxed): Promise<boolean> {
  try {
    await store.delete("outbox", record.key, { ifMatch: record.etag });
    return true;
  } catch (error) {
    if (error instanceof ConcurrencyError) return false;
    throw error;
  }
}

function byRaisedAt(a: Outboxed, b: Outboxed): number {
  const at = Date.parse(a.value.alert.raisedAt) - Date.parse(b.value.alert.raisedAt);
  return at !== 0 ? at : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Sends every due outbox record to its sink. Success marks the record delivered (audit `alert.sent`);
 * failure counts an attempt and schedules the next one with backoff or Retry-After (audit
 * `alert.failed`). Sinks are independent: one failing never holds back another. Records of a sink no
 * longer in the policy are dropped (audit `alert.dropped`).
 */
export async function deliverPending(
  store: StateStore,
  notifier: Notifier,
  sinks: WebhookSink[],
  now: Date,
  options: DeliverOptions,
): Promise<DeliveryCycleResult> {
  const ctx: Context = {
    store,
    notifier,
    now,
    actor: options.actor ?? "watchdog",
    schedule: { ...defaultRetrySchedule, ...options.retry },
    claimSeconds: options.claimSeconds ?? 600,
    limit: pLimit(Math.max(1, options.concurrency)),
    result: { sent: 0, failed: 0, pending: 0, dropped: 0, delivered: [] },
  };
  const keepDeliveredMs = (options.keepDeliveredDays ?? 30) * DAY_MS;
  const sinkByName = new Map(sinks.map((sink) => [sink.name, sink]));
  const records = (await store.list<unknown>("outbox")).map(
    (r): Outboxed => ({ key: r.key, etag: r.etag, value: parseStored(outboxRecordSchema, "outbox", r.key, r.value) }),
  );

  const due = new Map<string, Outboxed[]>();
  for (const record of records) {
    const value = record.value;
    if (value.state === "delivered") {
      if (now.getTime() - Date.parse(value.deliveredAt ?? value.createdAt) > keepDeliveredMs) await deleteIgnoringRace(store, record);
      continue;
    }
    const sink = sinkByName.get(value.sink);
    if (!sink) {
      if (await deleteIgnoringRace(store, record)) {
        ctx.result.dropped += 1;
        await audit(ctx, "alert.dropped", value, { reason: "sink no longer in the policy", attempts: value.attempts });
      }
      continue;
    }
    const notDue = Date.parse(value.nextAttemptAt) > now.getTime();
    const heldElsewhere = value.claimedUntil !== undefined && Date.parse(value.claimedUntil) > now.getTime();
    if (notDue || heldElsewhere) continue;
    const list = due.get(sink.name) ?? [];
    list.push(record);
    due.set(sink.name, list);
  }

  const problems: string[] = [];
  await Promise.all(
    [...due].map(async ([name, list]) => {
      try {
        await deliverToSink(ctx, sinkByName.get(name)!, list.sort(byRaisedAt));
      } catch (error) {
        problems.push(`sink "${name}": ${scrub(error instanceof Error ? error.message : String(error), sinkByName.get(name)!)}`);
      }
    }),
  );

  const pendingBefore = records.filter((r) => r.value.state === "pending").length;
  ctx.result.pending = pendingBefore - ctx.result.dropped - ctx.result.sent;
  if (problems.length > 0) throw new AlertDeliveryError(problems, ctx.result);
  return ctx.result;
}
