import pLimit, { type LimitFunction } from "p-limit";
import type { Alert } from "../../domain/alert.js";
import { mergeDigests, type Digest } from "../../domain/alerts/digest.js";
import { redactUrlParts } from "../../domain/alerts/redact.js";
import { defaultDigestAbove } from "../../domain/policy/webhook-schema.js";
import type { DeliveryResult, Notifier, WebhookSink } from "../../ports/notifier.js";
import { ConcurrencyError, type AuditEntry, type StateStore, type StoredRecord } from "../../ports/state-store.js";
import { outboxSubject, raisedAtOf, type OutboxRecord } from "./outbox-record.js";
import { defaultRetrySchedule, nextAttemptAt, type RetrySchedule } from "./retry-schedule.js";
import { isChatSink } from "./sink-messages.js";
import { outboxRecordSchemaFor, parseStored } from "./stored-schemas.js";

export interface DeliverOptions {
  /** State writes in flight at once (claims and outcomes of a digest's records). Sends are one at a time per sink. */
  concurrency: number;
  /** Who the audit entries name: "timer", "cli:<user>", … */
  actor?: string;
  retry?: Partial<RetrySchedule>;
  /** How long a deliverer holds a record it is sending. */
  claimSeconds?: number;
  /** Delivered records are kept this long as de-duplication tombstones, then pruned. */
  keepDeliveredDays?: number;
  /** WATCHDOG_REPORT_URL, named by a digest merged at delivery. */
  reportUrl?: string;
}

/** One message that reached a sink: a single alert, or a digest standing for many. */
export type Delivered = { sink: string; alert: Alert; digest?: undefined } | { sink: string; digest: Digest; alert?: undefined };

export interface DeliveryCycleResult {
  /** Outbox records delivered (a digest record counts once). */
  sent: number;
  failed: number;
  /** Records still waiting after this cycle (failed, not yet due, or held back behind a failing sink). */
  pending: number;
  /** Pending records dropped because their sink left the policy. */
  dropped: number;
  /** Messages that reached a sink, in order: several due records merged into one chat digest are one message. */
  delivered: Delivered[];
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
  reportUrl?: string;
  limit: LimitFunction;
  result: DeliveryCycleResult;
}

/** A delivery error as it may be stored and audited: without the sink's URL or signing secret. */
function scrub(text: string, sink: WebhookSink): string {
  const withoutUrl = redactUrlParts(text, sink.url);
  return sink.signingSecret ? withoutUrl.split(sink.signingSecret).join("[redacted]") : withoutUrl;
}

async function audit(ctx: Context, event: string, record: OutboxRecord, details: AuditEntry["details"]): Promise<void> {
  const about = outboxSubject(record);
  await ctx.store.appendAudit({
    at: ctx.now.toISOString(),
    event,
    actor: ctx.actor,
    subject: about.subject,
    details: { alertId: about.id, kind: about.kind, sink: record.sink, ...(record.digest ? { alerts: about.alerts } : {}), ...details },
  });
}

/** Takes the record for this deliverer; null when another one changed it first. */
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

async function attempt(send: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
  try {
    return await send();
  } catch (error) {
    // A notifier should answer with a DeliveryResult; a throw is still only this message's failure.
    return { ok: false, error: error instanceof Error ? error.message : String(error), retryable: true };
  }
}

/** Records the outcome of one message on every record it carried; returns false when the sink should get no more attempts this cycle. */
async function settle(ctx: Context, sink: WebhookSink, claimed: Outboxed[], result: DeliveryResult, merged?: Digest): Promise<boolean> {
  const at = ctx.now.toISOString();
  if (result.ok) {
    await Promise.all(
      claimed.map((record) =>
        ctx.limit(async () => {
          const { claimedUntil: _released, ...base } = record.value;
          const attempts = base.attempts + 1;
          const delivered: OutboxRecord = { ...base, state: "delivered", attempts, lastAttemptAt: at, lastStatus: result.status, deliveredAt: at, ...(merged ? { deliveredIn: merged.id } : {}) };
          await putIgnoringRace(ctx, record, delivered);
          await audit(ctx, "alert.sent", record.value, { sinkKind: sink.kind, status: result.status, attempts, ...(merged ? { deliveredIn: merged.id } : {}) });
        }),
      ),
    );
    ctx.result.sent += claimed.length;
    const first = claimed[0]!.value;
    ctx.result.delivered.push(merged ? { sink: sink.name, digest: merged } : first.alert ? { sink: sink.name, alert: first.alert } : { sink: sink.name, digest: first.digest! });
    return true;
  }

  const error = scrub(result.error, sink);
  await Promise.all(
    claimed.map((record) =>
      ctx.limit(async () => {
        const { claimedUntil: _released, ...base } = record.value;
        const attempts = base.attempts + 1;
        const next = nextAttemptAt(ctx.now, attempts, result.retryAfterSeconds, ctx.schedule);
        const failed: OutboxRecord = {
          ...base,
          attempts,
          nextAttemptAt: next,
          lastAttemptAt: at,
          ...(result.status !== undefined ? { lastStatus: result.status } : {}),
          lastError: error,
        };
        await putIgnoringRace(ctx, record, failed);
        await audit(ctx, "alert.failed", record.value, {
          sinkKind: sink.kind,
          status: result.status ?? null,
          error,
          retryable: result.retryable,
          attempts,
          nextAttemptAt: next,
        });
      }),
    ),
  );
  ctx.result.failed += claimed.length;
  // A sink that is down or rate-limiting would only fail again; a rejected payload concerns one message.
  return !result.retryable;
}

/** One record, one message: a single alert, or a digest recorded as one. */
async function deliverOne(ctx: Context, sink: WebhookSink, record: Outboxed): Promise<boolean> {
  const claimed = await claim(ctx, record);
  if (!claimed) return true;
  const value = claimed.value;
  const result = await attempt(() => (value.alert ? ctx.notifier.send(sink, value.alert, ctx.now) : ctx.notifier.sendDigest(sink, value.digest, ctx.now)));
  return settle(ctx, sink, [claimed], result);
}

/**
 * Several due records of one chat sink (a digest waiting since an outage, alerts of later cycles) as the one
 * message a cycle sends it. Every record is claimed first, so the merge is recorded in the outbox before
 * anything is sent; each is marked delivered (`deliveredIn`) only after the sink accepted the message.
 */
async function deliverMerged(ctx: Context, sink: WebhookSink, records: Outboxed[]): Promise<boolean> {
  const claimed = (await Promise.all(records.map((record) => ctx.limit(() => claim(ctx, record))))).filter((r): r is Outboxed => r !== null);
  if (claimed.length === 0) return true;
  const digests = claimed.flatMap((r) => (r.value.digest ? [r.value.digest] : []));
  const alerts = claimed.flatMap((r) => (r.value.alert ? [r.value.alert] : []));
  const merged = mergeDigests({ sink: sink.name, reportUrl: ctx.reportUrl, now: ctx.now, digests, alerts });
  const result = await attempt(() => ctx.notifier.sendDigest(sink, merged, ctx.now));
  return settle(ctx, sink, claimed, result, merged);
}

async function putIgnoringRace(ctx: Context, claimed: Outboxed, value: OutboxRecord): Promise<void> {
  try {
    await ctx.store.put("outbox", claimed.key, value, { ifMatch: claimed.etag });
  } catch (error) {
    // Our claim ran out and another deliverer took over: its outcome stands.
    if (!(error instanceof ConcurrencyError)) throw error;
  }
}

/** A chat sink with more due than it takes one by one gets them as one message. */
function mergesForPeople(sink: WebhookSink, records: readonly Outboxed[]): boolean {
  if (!isChatSink(sink) || records.length < 2) return false;
  const alerts = records.reduce((n, r) => n + (r.value.digest ? r.value.digest.total : 1), 0);
  return records.some((r) => r.value.digest !== undefined) || alerts > (sink.digestAbove ?? defaultDigestAbove);
}

// A machine receiver takes events side by side (a first cycle can owe it hundreds); a chat sink gets its few
// messages one at a time, at the pace it sets with 429 + Retry-After.
const machineConcurrency = 8;

/** Records by what they concern, each list in the order raised: one credential's "expiring" goes before its "resolved". */
function byConcern(records: readonly Outboxed[]): Outboxed[][] {
  const lanes = new Map<string, Outboxed[]>();
  for (const record of records) {
    const concern = outboxSubject(record.value).subject;
    lanes.set(concern, [...(lanes.get(concern) ?? []), record]);
  }
  return [...lanes.values()];
}

async function deliverToSink(ctx: Context, sink: WebhookSink, records: Outboxed[]): Promise<void> {
  if (mergesForPeople(sink, records)) {
    await deliverMerged(ctx, sink, records);
    return;
  }
  const [probe, ...rest] = records;
  // A sink that is down or rate-limiting would only fail again: once one message says so, the rest wait for
  // the next cycle. The first goes alone, so a dead sink is tried once, not once per lane.
  if (!probe || !(await deliverOne(ctx, sink, probe))) return;
  const lanes = isChatSink(sink) ? [rest] : byConcern(rest);
  const limit = pLimit(isChatSink(sink) ? 1 : machineConcurrency);
  let stopped = false;
  await Promise.all(
    lanes.map((lane) =>
      limit(async () => {
        for (const record of lane) {
          if (stopped) return;
          if (!(await deliverOne(ctx, sink, record))) stopped = true;
        }
      }),
    ),
  );
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
  const at = Date.parse(raisedAtOf(a.value)) - Date.parse(raisedAtOf(b.value));
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
    reportUrl: options.reportUrl,
    limit: pLimit(Math.max(1, options.concurrency)),
    result: { sent: 0, failed: 0, pending: 0, dropped: 0, delivered: [] },
  };
  const keepDeliveredMs = (options.keepDeliveredDays ?? 30) * DAY_MS;
  const sinkByName = new Map(sinks.map((sink) => [sink.name, sink]));
  const records = (await store.list<unknown>("outbox")).map(
    (r): Outboxed => ({ key: r.key, etag: r.etag, value: parseStored(outboxRecordSchemaFor(r.value), "outbox", r.key, r.value) }),
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
