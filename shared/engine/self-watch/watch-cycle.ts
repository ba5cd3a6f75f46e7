import type { Alert } from "../../domain/alert.js";
import { nextHealth, selfWatchAlerts, type CycleHealth, type CycleOutcome } from "../../domain/self-watch/cycle-health.js";
import type { SelfWatchPolicy } from "../../domain/policy/self-watch-schema.js";
import type { Heartbeat } from "../../ports/heartbeat.js";
import type { WebhookSink } from "../../ports/notifier.js";
import type { StateStore } from "../../ports/state-store.js";
import type { OutboxRecord } from "../alerts/outbox-record.js";
import { loadCycleHealth, saveCycleHealth } from "./health-store.js";

export interface HeartbeatOutcome {
  sent: boolean;
  ok?: boolean;
  status?: number;
  /** Why it was not sent ("the cycle failed", "no selfWatch.heartbeatUrl"), or what went wrong; never the URL. */
  note?: string;
}

/** Sinks with deliveries still pending after a failed attempt: delivery there is failing now. */
async function failingSinks(store: StateStore): Promise<string[]> {
  const records = await store.list<OutboxRecord>("outbox");
  return [...new Set(records.filter((r) => r.value.state === "pending" && r.value.attempts > 0).map((r) => r.value.sink))].sort();
}

/**
 * The watchdog's alerts about itself, decided on the cycle so far, and the sinks they go to: every sink whose
 * delivery is not itself failing (all of them when every one is).
 */
export async function decideSelfWatch(
  store: StateStore,
  policy: SelfWatchPolicy,
  sinks: WebhookSink[],
  outcome: CycleOutcome,
  now: Date,
): Promise<{ previous: CycleHealth | undefined; raise: Alert[]; sinks: WebhookSink[]; alertedFailingSince?: string }> {
  const previous = await loadCycleHealth(store);
  const failing = await failingSinks(store);
  const working = sinks.filter((s) => !failing.includes(s.name));
  const decided = selfWatchAlerts(previous, nextHealth(previous, outcome), { alertAfter: policy.alertAfterFailedCycles, failingSinks: working.length > 0 ? failing : [], now });
  return { previous, raise: decided.raise, sinks: working.length > 0 ? working : sinks, alertedFailingSince: decided.health.alertedFailingSince };
}

/** Stores the health of the finished cycle, and pings the heartbeat after a success (once, never retried). */
export async function finishSelfWatch(
  store: StateStore,
  heartbeat: Heartbeat,
  policy: SelfWatchPolicy,
  decided: { previous: CycleHealth | undefined; alertedFailingSince?: string },
  outcome: CycleOutcome,
): Promise<{ health: CycleHealth; heartbeat: HeartbeatOutcome }> {
  const health = nextHealth(decided.previous, outcome);
  if (health.lastResult !== "succeeded" && decided.alertedFailingSince === health.failingSince && decided.alertedFailingSince) {
    health.alertedFailingSince = decided.alertedFailingSince;
  }
  await saveCycleHealth(store, health);
  if (!policy.heartbeatUrl) return { health, heartbeat: { sent: false, note: "no selfWatch.heartbeatUrl" } };
  if (health.lastResult !== "succeeded") return { health, heartbeat: { sent: false, note: `not sent: the cycle ${health.lastResult === "failed" ? "failed" : "read an incomplete inventory"}` } };
  const answer = await heartbeat.ping(policy.heartbeatUrl);
  return answer.ok
    ? { health, heartbeat: { sent: true, ok: true, status: answer.status } }
    : { health, heartbeat: { sent: true, ok: false, ...(answer.status !== undefined ? { status: answer.status } : {}), note: answer.error } };
}
