import type { RotationPolicy } from "../policy/index.js";
import { daysLeft, HOUR_MS, parseInstant } from "../time.js";
import type { RotationJournal } from "./journal.js";

export interface DecisionContext {
  now: Date;
  /** Asked for by a person (CLI, HTTP): starts even when the last rotation is recent. */
  manual: boolean;
  /** The cycle's inventory read every source: only then may anything be retired. */
  snapshotComplete: boolean;
  policy: RotationPolicy;
  /** This run minted the new value and still holds it (a later run can only read it back from Key Vault). */
  valueInMemory: boolean;
  /** CircleCI holds a value set by hand since the push: a manual request starts a new rotation to replace it. */
  drifted?: boolean;
}

export type RotationAction =
  | { kind: "start" }
  | { kind: "reconcile"; reason: string }
  | { kind: "mint" }
  | { kind: "store" }
  | { kind: "verify" }
  | { kind: "push" }
  | { kind: "retire" }
  /** Nothing to do until `until` (or until the inventory is complete). */
  | { kind: "wait"; until: string; reason: string }
  /** No rotation is in progress and none should start. */
  | { kind: "idle"; reason: string };

/** A rotation Graph refused is tried again (one addPassword) this long after the refusal, or at once by a person. */
export const blockedRetryHours = 24;

export function blockedRetryAt(journal: RotationJournal): Date | undefined {
  const at = parseInstant(journal.blocked?.at);
  return at ? new Date(at.getTime() + blockedRetryHours * HOUR_MS) : undefined;
}

/** When the old secret may go: `overlapHours` after the new one reached CircleCI. */
export function retireDueAt(journal: RotationJournal, policy: RotationPolicy): string | undefined {
  const pushed = parseInstant(journal.pushedAt);
  return pushed ? new Date(pushed.getTime() + policy.overlapHours * HOUR_MS).toISOString() : undefined;
}

/**
 * What the rotation of one credential does next, given its journal (null: never rotated), the clock and
 * the run's situation. Pure: the engine performs the action, records it, and asks again.
 */
export function nextAction(journal: RotationJournal | null, ctx: DecisionContext): RotationAction {
  if (journal?.state === "blocked" && !ctx.manual) {
    const retryAt = blockedRetryAt(journal);
    if (retryAt && ctx.now < retryAt) {
      return { kind: "idle", reason: `blocked since ${journal.blocked?.at}: ${journal.blocked?.reason}; tried again from ${retryAt.toISOString()} or by watchdog rotate ${journal.credential}` };
    }
  }
  if (journal === null || journal.state === "retired" || journal.state === "blocked") {
    const validUntil = parseInstant(journal?.minted?.endDateTime);
    if (!ctx.manual && journal && validUntil && daysLeft(validUntil, ctx.now) > ctx.policy.rotateBeforeDays) {
      // A plan built from an inventory taken before another run finished this rotation: do not rotate twice.
      return {
        kind: "idle",
        reason: `rotated at ${journal.retiredAt ?? journal.updatedAt}; the new secret is valid until ${validUntil.toISOString()}`,
      };
    }
    return { kind: "start" };
  }
  if (journal.pending) return { kind: "reconcile", reason: `the outcome of ${journal.pending.step} (since ${journal.pending.since}) is not recorded` };
  if (journal.lastFailure) return { kind: "reconcile", reason: `${journal.lastFailure.step} failed at ${journal.lastFailure.at}` };
  switch (journal.state) {
    case "started":
      return { kind: "mint" };
    case "minted":
      return ctx.valueInMemory ? { kind: "store" } : { kind: "reconcile", reason: "the new value was minted by a run that ended before storing it" };
    case "stored":
      return { kind: "verify" };
    case "verified":
      return { kind: "push" };
    case "pushed": {
      if (ctx.manual && ctx.drifted) return { kind: "start" };
      const due = retireDueAt(journal, ctx.policy) ?? ctx.now.toISOString();
      if (ctx.now.getTime() < Date.parse(due)) return { kind: "wait", until: due, reason: `overlap of ${ctx.policy.overlapHours} h since the push` };
      if (!ctx.snapshotComplete) return { kind: "wait", until: due, reason: "the inventory is incomplete: nothing is retired on it" };
      return { kind: "retire" };
    }
  }
}
