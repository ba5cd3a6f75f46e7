import type { MigrationJournal, RetireBasis } from "./journal.js";

/** What a run has learnt so far (the engine keeps it in memory; a new run starts with none of it). */
export interface MigrationRunContext {
  /** The cycle's inventory read every source: only then is anything removed. */
  snapshotComplete: boolean;
  /** Start again after a rollback (a person asked). */
  restart: boolean;
  /** This run has compared the app's FICs with the policy. */
  federationChecked: boolean;
  /** This run's look at the sign-in evidence: approved (with the grounds) or not. */
  checked: { approve: true; basis: RetireBasis; keyIds: string[] } | { approve: false } | null;
}

export type MigrationAction =
  | { kind: "plan" }
  | { kind: "federate" }
  | { kind: "configure" }
  | { kind: "switch" }
  | { kind: "check" }
  | { kind: "retire" }
  /** Nothing more this run, by design (the quiet period, an incomplete inventory). */
  | { kind: "wait"; reason: string; until?: string }
  /** Nothing more until a person acts. */
  | { kind: "blocked"; reason: string }
  | { kind: "idle"; reason: string };

function waitOrBlock(journal: MigrationJournal): MigrationAction {
  if (journal.blocked) return { kind: "blocked", reason: journal.blocked.reason };
  const evidence = journal.evidence;
  if (evidence?.reason) return { kind: "wait", reason: evidence.reason, ...(evidence.retireEarliestAt ? { until: evidence.retireEarliestAt } : {}) };
  return { kind: "wait", reason: "waiting for the pipelines to switch" };
}

/** The next thing the migration of one credential does (pure); the engine does it, records it, and asks again. */
export function nextMigrationAction(journal: MigrationJournal | null, ctx: MigrationRunContext): MigrationAction {
  if (journal === null) return { kind: "plan" };
  if (journal.state === "rolled-back") {
    return ctx.restart ? { kind: "plan" } : { kind: "idle", reason: `rolled back at ${journal.rolledBackAt ?? journal.updatedAt}; a restart must be asked for` };
  }
  // A rollback that did not finish owns the credential: migrating on would undo what it has done.
  if (journal.rollback) return { kind: "idle", reason: `a rollback asked for by ${journal.rollback.requestedBy} at ${journal.rollback.at} has not finished: run the rollback again` };

  if (journal.pending) {
    const step = journal.pending.step;
    if (step === "retire") {
      return ctx.snapshotComplete ? { kind: "retire" } : { kind: "wait", reason: "a retirement is half done; it finishes on a complete inventory" };
    }
    if (step === "federate") return ctx.federationChecked ? waitOrBlock(journal) : { kind: "federate" };
    if (step === "configure") return { kind: "configure" };
    // plan, switch and check record no intent (a single journal write each), and a pending rollback is caught above.
  }

  switch (journal.state) {
    case "planned":
      if (!journal.federation.syncedAt) return ctx.federationChecked ? waitOrBlock(journal) : { kind: "federate" };
      return journal.idsSetAt ? { kind: "switch" } : { kind: "configure" };
    case "federated":
      return journal.idsSetAt ? { kind: "switch" } : { kind: "configure" };
    case "waiting":
      if (!ctx.federationChecked) return { kind: "federate" };
      if (journal.blocked?.kind === "fic-limit" || journal.blocked?.kind === "fic-conflict") return waitOrBlock(journal);
      // The policy moved the secret elsewhere: the new place needs the ids too.
      if (!journal.idsSetAt) return { kind: "configure" };
      if (!ctx.checked) return { kind: "check" };
      if (ctx.checked.approve) {
        return ctx.snapshotComplete ? { kind: "retire" } : { kind: "wait", reason: "the inventory is incomplete: nothing is removed on it" };
      }
      return waitOrBlock(journal);
    case "retired":
      if (!ctx.federationChecked) return { kind: "federate" };
      if (!journal.idsSetAt && !journal.blocked) return { kind: "configure" };
      return { kind: "idle", reason: `the client secret was retired at ${journal.retiredAt ?? journal.updatedAt}` };
  }
}
