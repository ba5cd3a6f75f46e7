import type { Alert, Severity } from "../alert.js";
import { alertId } from "./alert-id.js";

/** What the watchdog watches, as the first cycle's announcement states it. */
export interface BaselineSummary {
  credentials: number;
  expired: number;
  expiring: number;
  longLived: number;
}

/** How many alerts of one kind and severity a digest stands for. Kinds are whatever alerts carry: grouping knows none of them. */
export interface DigestCount {
  kind: string;
  severity: Severity;
  count: number;
}

/**
 * Many alerts in one message, for people (a chat sink) or for a receiver that asked for lists (`batch: true`).
 * Built from the alerts themselves, so any alert kind (today's or a later one) groups the same way.
 */
export interface Digest {
  /** Stable for the same alerts: the webhook-id of a generic batch. */
  id: string;
  /** `baseline`: the first cycle's announcement; `digest`: more alerts due than the sink takes one by one; `batch`: a generic sink's list. */
  kind: "baseline" | "digest" | "batch";
  title: string;
  /** By kind and severity, most severe and largest first; they add up to `total`. */
  counts: DigestCount[];
  /** How many alerts the digest stands for. */
  total: number;
  /** The alerts it carries, most urgent first: every one in a batch, the first `shownItems` in a digest for people. */
  alerts: Alert[];
  /** How a reader sees everything. */
  seeAll: { command: string; reportUrl?: string };
  baseline?: BaselineSummary;
  raisedAt: string;
}

/** Items a chat digest lists before "and N more": enough to act on today, few enough to read. */
export const shownItems = 10;

const severityRank: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most urgent first: severity, then fewest days left (alerts without days last), then credential and id. */
export function compareAlertUrgency(a: Alert, b: Alert): number {
  return (
    severityRank[a.severity] - severityRank[b.severity] ||
    (a.daysLeft ?? Number.POSITIVE_INFINITY) - (b.daysLeft ?? Number.POSITIVE_INFINITY) ||
    compareText(a.credential, b.credential) ||
    compareText(a.id, b.id)
  );
}

function sumCounts(counts: readonly DigestCount[]): DigestCount[] {
  const merged = new Map<string, DigestCount>();
  for (const c of counts) {
    const key = `${c.severity}\u0000${c.kind}`;
    const entry = merged.get(key) ?? { kind: c.kind, severity: c.severity, count: 0 };
    entry.count += c.count;
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) => severityRank[a.severity] - severityRank[b.severity] || b.count - a.count || compareText(a.kind, b.kind));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function severitySummary(counts: readonly DigestCount[]): string {
  const bySeverity = new Map<Severity, number>();
  for (const c of counts) bySeverity.set(c.severity, (bySeverity.get(c.severity) ?? 0) + c.count);
  return (["critical", "warning", "info"] as const)
    .filter((s) => bySeverity.has(s))
    .map((s) => `${bySeverity.get(s)} ${s}`)
    .join(", ");
}

function titleOf(kind: Digest["kind"], total: number, counts: readonly DigestCount[], baseline: BaselineSummary | undefined): string {
  if (kind === "baseline" && baseline) {
    return (
      `secret-watchdog is now watching ${plural(baseline.credentials, "credential")}: ` +
      `${baseline.expired} expired, ${baseline.expiring} expiring, ${baseline.longLived} long-lived — here is the plan`
    );
  }
  return total === 0 ? "secret-watchdog: no alerts" : `secret-watchdog: ${plural(total, "alert")} (${severitySummary(counts)})`;
}

/** The id of a digest of these alerts: the same alerts (in any order) give the same id. */
export function digestId(kind: Digest["kind"], sink: string, alertIds: readonly string[]): string {
  return alertId({ kind: `digest:${kind}`, credential: sink, marker: [...alertIds].sort().join(",") });
}

export interface DigestContext {
  sink: string;
  reportUrl?: string;
  now: Date;
}

/**
 * One message for many alerts. Pure: `now` stamps `raisedAt`; the order, the counts and the id depend only on
 * the alerts, so re-deciding the same alerts after a crash lands on the same outbox key. `keep` bounds the
 * alerts carried (a digest for people lists a few; a batch carries all).
 */
export function buildDigest(input: DigestContext & { kind: Digest["kind"]; alerts: readonly Alert[]; baseline?: BaselineSummary; keep?: number }): Digest {
  const alerts = [...input.alerts].sort(compareAlertUrgency);
  const counts = sumCounts(alerts.map((a) => ({ kind: a.kind, severity: a.severity, count: 1 })));
  return {
    id: digestId(input.kind, input.sink, alerts.map((a) => a.id)),
    kind: input.kind,
    title: titleOf(input.kind, alerts.length, counts, input.baseline),
    counts,
    total: alerts.length,
    alerts: alerts.slice(0, input.keep ?? alerts.length),
    seeAll: { command: "watchdog plan", ...(input.reportUrl ? { reportUrl: input.reportUrl } : {}) },
    ...(input.baseline ? { baseline: input.baseline } : {}),
    raisedAt: input.now.toISOString(),
  };
}

/**
 * Several digests and single alerts due for one chat sink, as the one message a cycle sends it: a baseline
 * still pending stays the headline, counts add up, and the most urgent items of all of them are listed.
 */
export function mergeDigests(input: DigestContext & { digests: readonly Digest[]; alerts: readonly Alert[] }): Digest {
  const baseline = input.digests.find((d) => d.kind === "baseline" && d.baseline)?.baseline;
  const kind: Digest["kind"] = baseline ? "baseline" : "digest";
  const counts = sumCounts([...input.digests.flatMap((d) => d.counts), ...input.alerts.map((a) => ({ kind: a.kind, severity: a.severity, count: 1 }))]);
  const total = input.digests.reduce((n, d) => n + d.total, 0) + input.alerts.length;
  const alerts = [...input.digests.flatMap((d) => d.alerts), ...input.alerts].sort(compareAlertUrgency);
  return {
    id: alertId({ kind: `digest:${kind}`, credential: input.sink, marker: [...input.digests.map((d) => d.id), ...input.alerts.map((a) => a.id)].sort().join(",") }),
    kind,
    title: titleOf(kind, total, counts, baseline),
    counts,
    total,
    alerts: alerts.slice(0, shownItems),
    seeAll: { command: "watchdog plan", ...(input.reportUrl ? { reportUrl: input.reportUrl } : {}) },
    ...(baseline ? { baseline } : {}),
    raisedAt: input.now.toISOString(),
  };
}

/** "3 expiring (critical)": one count as a person reads it. */
export function describeCount(count: DigestCount): string {
  return `${count.count} ${count.kind} (${count.severity})`;
}

/** Where to see everything, in one sentence: for a notification's text. */
export function seeAllHint(digest: Digest): string {
  return digest.seeAll.reportUrl ? `See everything: \`${digest.seeAll.command}\` or ${digest.seeAll.reportUrl}` : `See everything: \`${digest.seeAll.command}\``;
}

/** "… and 350 more. To see everything, run `watchdog plan` or open <report>." */
export function seeAllLine(digest: Digest, shown: number): string {
  const more = digest.total - shown;
  const where = digest.seeAll.reportUrl ? `run \`${digest.seeAll.command}\` or open ${digest.seeAll.reportUrl}` : `run \`${digest.seeAll.command}\``;
  return more > 0 ? `… and ${more} more. To see everything, ${where}.` : `To see everything, ${where}.`;
}
