import type { Alert, AlertSource } from "../alert.js";
import type { Finding, WatchedCredential } from "../finding.js";
import { alertId } from "./alert-id.js";
import {
  defaultNextStep,
  expiredTitle,
  expirySeverity,
  expiringTitle,
  exposedTitle,
  driftedTitle,
  longLivedTitle,
  notFoundTitle,
  permissionMissingTitle,
  resolvedTitle,
} from "./alert-text.js";
import type { LedgerChanges, LedgerEntry } from "./ledger.js";
import { currentThreshold, normalizeThresholds } from "./thresholds.js";

export interface DecideAlertsInput {
  credentials: WatchedCredential[];
  findings: Finding[];
  ledger: LedgerEntry[];
  thresholdsDays: number[];
  /** false when a source could not be read: then nothing is resolved for credentials the snapshot lacks. */
  complete: boolean;
  now: Date;
}

export interface AlertDecisions {
  raise: Alert[];
  ledger: LedgerChanges;
}

/** What one credential looks like this cycle: its inventory entry and its findings, by kind. */
interface CredentialView {
  credential: string;
  watched?: WatchedCredential;
  findings: Map<Finding["kind"], Finding>;
}

const unknown = "unknown";
// Enough to cover every alert one episode can raise (thresholds, expired, long-lived, not-found, a few rotations).
const maxAlertedIds = 50;

function collectViews(credentials: WatchedCredential[], findings: Finding[]): Map<string, CredentialView> {
  const views = new Map<string, CredentialView>();
  const view = (credential: string): CredentialView => {
    let v = views.get(credential);
    if (!v) {
      v = { credential, findings: new Map() };
      views.set(credential, v);
    }
    return v;
  };
  for (const watched of credentials) view(watched.credential).watched = watched;
  for (const finding of findings) {
    const v = view(finding.credential);
    if (!v.findings.has(finding.kind)) v.findings.set(finding.kind, finding);
  }
  return views;
}

function has(view: CredentialView, kind: Finding["kind"]): boolean {
  // A password a rotation superseded expires on purpose: the rotation removes it, its expiry is no news.
  if (view.watched?.retiring) return view.findings.has(kind);
  return view.findings.has(kind) || view.watched?.status === kind;
}

function isBound(view: CredentialView): boolean {
  return view.watched?.bound ?? [...view.findings.values()].some((f) => f.bound);
}

function sourceOf(view: CredentialView, fallback?: AlertSource): AlertSource {
  return view.watched?.source ?? view.findings.values().next().value?.source ?? fallback ?? {};
}

function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Decides which alerts to raise this cycle and how the ledger changes, so that each alert goes out
 * once per credential, threshold and expiry date (or last change), and one `resolved` notice closes
 * an episode. Pure: `now` only stamps `raisedAt` and the not-found episode day.
 */
export function decideAlerts(input: DecideAlertsInput): AlertDecisions {
  const thresholds = normalizeThresholds(input.thresholdsDays);
  const views = collectViews(input.credentials, input.findings);
  const ledger = new Map(input.ledger.map((entry) => [entry.credential, entry]));
  const raisedAt = input.now.toISOString();
  const decisions: AlertDecisions = { raise: [], ledger: { put: [], remove: [] } };

  const names = [...new Set([...views.keys(), ...ledger.keys()])].sort();
  for (const name of names) {
    const view = views.get(name);
    const entry = ledger.get(name);
    if (!view) {
      // Gone from the snapshot. Only a complete snapshot proves it is gone rather than unreadable.
      if (entry && input.complete) resolve(entry, decisions, raisedAt);
      continue;
    }
    if (view.watched?.waiver?.state === "active") {
      // Accepted: no alert, and no "resolved" notice either (nothing was fixed). Forgetting the episode makes the
      // findings news again once the waiver ends.
      if (entry) decisions.ledger.remove.push(entry.credential);
      continue;
    }
    const next = decideOne(view, entry, thresholds, raisedAt, input.now, decisions.raise);
    if (next === "resolved") {
      if (entry && canResolve(entry, view, input.complete)) resolve(entry, decisions, raisedAt);
    } else if (next && !sameEntry(entry, next)) {
      decisions.ledger.put.push(next);
    }
  }
  return decisions;
}

/**
 * On an incomplete snapshot a credential can be listed while the source that dates it failed (it
 * then looks "ok" for want of an expiry): resolve an expiry episode only when an expiry is visible.
 */
function canResolve(entry: LedgerEntry, view: CredentialView, complete: boolean): boolean {
  if (complete) return true;
  if (entry.expiry && !view.watched?.expiresAt) return false;
  return true;
}

function resolve(entry: LedgerEntry, decisions: AlertDecisions, raisedAt: string): void {
  decisions.raise.push({
    id: alertId({ kind: "resolved", credential: entry.credential, marker: entry.episode }),
    kind: "resolved",
    severity: "info",
    credential: entry.credential,
    title: resolvedTitle(entry.credential),
    source: entry.source,
    nextStep: "Nothing to do.",
    raisedAt,
  });
  decisions.ledger.remove.push(entry.credential);
}

/**
 * The alerts one visible credential needs now, and its new ledger entry: "resolved" when it needs no
 * attention any more, undefined when there is nothing to remember.
 */
function decideOne(
  view: CredentialView,
  entry: LedgerEntry | undefined,
  thresholds: number[],
  raisedAt: string,
  now: Date,
  raise: Alert[],
): LedgerEntry | "resolved" | undefined {
  const bound = isBound(view);
  const source = sourceOf(view, entry?.source);
  const watched = view.watched;
  const expiring = has(view, "expired") || has(view, "expiring");
  const longLived = has(view, "long-lived");
  const notFound = bound && has(view, "not-found");
  const exposed = view.findings.get("exposed");
  const blocked = view.findings.get("permission-missing");
  const drifted = view.findings.get("drifted");
  const tenantBlock = view.findings.get("blocked-by-tenant-policy");
  if (!expiring && !longLived && !notFound && !exposed && !blocked && !drifted && !tenantBlock) return entry ? "resolved" : undefined;

  const raisedBefore = raise.length;
  const alerted = new Set(entry?.alerted ?? []);
  const emit = (alert: Alert) => {
    if (!alerted.has(alert.id)) raise.push(alert);
  };
  const base = { credential: view.credential, source, raisedAt };
  // After a waiver ends its findings alert again as new: ids of their own, so no earlier delivery hides them.
  const reopened = watched?.waiver?.state === "ended" ? `|after-waiver:${watched.waiver.until}` : "";
  const next: LedgerEntry = {
    credential: view.credential,
    bound,
    source,
    episode: entry?.episode ?? "",
    openedAt: entry?.openedAt ?? raisedAt,
    alerted: entry?.alerted ?? [],
  };

  if (expiring) {
    const finding = view.findings.get("expired") ?? view.findings.get("expiring");
    const expiresAt = finding?.expiresAt ?? watched?.expiresAt ?? unknown;
    const daysLeft = finding?.daysLeft ?? watched?.daysLeft;
    const previous = entry?.expiry?.expiresAt === expiresAt ? entry.expiry : undefined;
    const nextStep = finding?.nextStep ?? defaultNextStep(view.credential, bound, watched?.action);
    const isExpired = has(view, "expired") || (daysLeft !== undefined && daysLeft <= 0);
    if (isExpired) {
      if (!previous?.expired) {
        emit({
          ...base,
          id: alertId({ kind: "expired", credential: view.credential, marker: `${expiresAt}${reopened}` }),
          kind: "expired",
          severity: "critical",
          title: expiredTitle(view.credential, source, daysLeft),
          ...(daysLeft !== undefined ? { daysLeft } : {}),
          ...(expiresAt !== unknown ? { expiresAt } : {}),
          nextStep,
        });
      }
      next.expiry = { expiresAt, ...lowest(previous?.lowestThreshold), expired: true };
    } else {
      const threshold = daysLeft !== undefined ? currentThreshold(daysLeft, thresholds) : undefined;
      const alreadyAlerted = previous?.lowestThreshold !== undefined && threshold !== undefined && threshold >= previous.lowestThreshold;
      if (threshold !== undefined && daysLeft !== undefined && !alreadyAlerted) {
        emit({
          ...base,
          id: alertId({ kind: "expiring", credential: view.credential, threshold, marker: `${expiresAt}${reopened}` }),
          kind: "expiring",
          severity: finding?.severity ?? expirySeverity(daysLeft),
          title: expiringTitle(view.credential, source, daysLeft, threshold),
          daysLeft,
          ...(expiresAt !== unknown ? { expiresAt } : {}),
          threshold,
          nextStep,
        });
        next.expiry = { expiresAt, lowestThreshold: threshold, expired: false };
      } else if (previous) {
        next.expiry = previous;
      }
    }
  }

  if (longLived) {
    const finding = view.findings.get("long-lived");
    const lastChangedAt = watched?.lastChangedAt ?? unknown;
    const ageDays = finding?.ageDays ?? watched?.ageDays;
    if (entry?.longLived?.lastChangedAt !== lastChangedAt) {
      emit({
        ...base,
        id: alertId({ kind: "long-lived", credential: view.credential, marker: `${lastChangedAt}${reopened}` }),
        kind: "long-lived",
        severity: finding?.severity ?? "warning",
        title: longLivedTitle(view.credential, ageDays),
        ...(ageDays !== undefined ? { ageDays } : {}),
        nextStep: finding?.nextStep ?? defaultNextStep(view.credential, bound, watched?.action),
      });
    }
    next.longLived = { lastChangedAt };
  }

  if (notFound) {
    const finding = view.findings.get("not-found");
    if (!entry?.notFound) {
      const since = utcDay(now);
      emit({
        ...base,
        id: alertId({ kind: "not-found", credential: view.credential, marker: `${since}${reopened}` }),
        kind: "not-found",
        severity: finding?.severity ?? "warning",
        title: notFoundTitle(view.credential),
        nextStep: finding?.nextStep ?? "Fix the credential's binding in the policy, or create what it points at.",
      });
      next.notFound = { since };
    } else {
      next.notFound = entry.notFound;
    }
  }

  if (exposed) {
    const exposure = exposed.exposure;
    // What was exposed, and how: a restriction added, changed or a secret added to the context alerts again.
    const marker = JSON.stringify([exposure?.level ?? null, exposure?.variables ?? [], exposure?.restrictions ?? []]);
    if (entry?.exposure?.marker !== marker) {
      emit({
        ...base,
        id: alertId({ kind: "exposed", credential: view.credential, marker }),
        kind: "exposed",
        severity: exposed.severity,
        title: exposedTitle(exposure?.context ?? view.credential, exposure?.level, exposure?.variables.length ?? 0),
        nextStep: exposed.nextStep,
      });
    }
    next.exposure = { marker };
  }

  if (blocked) {
    // One alert per set of gaps: granting one of two still missing permissions alerts again with what remains.
    const gaps = (blocked.permissions ?? []).map((p) => `${p.status} ${p.need}`).sort();
    const marker = JSON.stringify(gaps);
    if (entry?.permission?.marker !== marker) {
      emit({
        ...base,
        id: alertId({ kind: "permission-missing", credential: view.credential, marker: `${marker}${reopened}` }),
        kind: "permission-missing",
        severity: blocked.severity,
        title: permissionMissingTitle(view.credential, (blocked.permissions ?? []).map((p) => (p.status === "unknown" ? `${p.need} (unknown)` : p.need))),
        nextStep: blocked.nextStep,
      });
    }
    next.permission = { marker };
  }

  if (drifted) {
    const marker = drifted.changedAt ?? drifted.message;
    if (entry?.drift?.marker !== marker) {
      emit({
        ...base,
        id: alertId({ kind: "drifted", credential: view.credential, marker: `${marker}${reopened}` }),
        kind: "drifted",
        severity: drifted.severity,
        title: driftedTitle(view.credential),
        nextStep: drifted.nextStep,
      });
    }
    next.drift = { marker };
  }

  if (tenantBlock) {
    const marker = tenantBlock.message;
    if (entry?.tenantPolicyBlock?.marker !== marker) {
      emit({
        ...base,
        id: alertId({ kind: "blocked-by-tenant-policy", credential: view.credential, marker: `${marker}${reopened}` }),
        kind: "blocked-by-tenant-policy",
        severity: tenantBlock.severity,
        title: tenantBlock.message,
        nextStep: tenantBlock.nextStep,
      });
    }
    next.tenantPolicyBlock = { marker };
  }

  const raisedNow = raise.slice(raisedBefore);
  if (raisedNow.length > 0) next.alerted = [...next.alerted, ...raisedNow.map((a) => a.id)].slice(-maxAlertedIds);
  const first = raisedNow[0];
  if (!next.episode) {
    // Nothing alerted yet (e.g. expiring, but beyond every threshold): nothing to remember or resolve.
    if (!first) return undefined;
    next.episode = first.id;
  }
  return next;
}

function lowest(threshold: number | undefined): { lowestThreshold?: number } {
  return threshold !== undefined ? { lowestThreshold: threshold } : {};
}

function sameEntry(a: LedgerEntry | undefined, b: LedgerEntry): boolean {
  return a !== undefined && canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}
