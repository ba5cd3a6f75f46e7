import type { CiTarget } from "../rotation/journal.js";
import {
  migrationHistoryLimit,
  type MigrationBlock,
  type MigrationHistoryEntry,
  type MigrationJournal,
  type MigrationState,
  type MigrationStep,
} from "./journal.js";

/** Pure journal updates; the engine writes each one (with the record's ETag). */

type Details = NonNullable<MigrationHistoryEntry["details"]>;

export function addMigrationHistory(
  journal: MigrationJournal,
  at: string,
  step: MigrationStep,
  outcome: MigrationHistoryEntry["outcome"],
  details?: Details,
): MigrationJournal {
  const entry: MigrationHistoryEntry = { at, migrationId: journal.migrationId, step, outcome, ...(details ? { details } : {}) };
  const history = [...journal.history, entry];
  return { ...journal, updatedAt: at, history: history.length > migrationHistoryLimit ? history.slice(history.length - migrationHistoryLimit) : history };
}

export interface StartMigrationInput {
  credential: string;
  migrationId: string;
  actor: string;
  at: string;
  app: MigrationJournal["app"];
  ci: CiTarget;
  oidc: MigrationJournal["oidc"];
  secret: MigrationJournal["secret"];
  /** A previous (rolled-back) journal of the credential: its history is carried over. */
  previous: MigrationJournal | null;
}

export function startMigration(input: StartMigrationInput): MigrationJournal {
  const journal: MigrationJournal = {
    schema: 1,
    credential: input.credential,
    migrationId: input.migrationId,
    actor: input.actor,
    state: "planned",
    pending: null,
    lastFailure: null,
    blocked: null,
    startedAt: input.at,
    updatedAt: input.at,
    app: input.app,
    ci: input.ci,
    oidc: input.oidc,
    federation: { fics: [], coveredByOthers: [], syncedAt: null },
    idsSetAt: null,
    waitingSince: null,
    secret: input.secret,
    evidence: null,
    retireApproval: null,
    retiredAt: null,
    retired: null,
    rollback: null,
    rolledBackAt: null,
    history: input.previous?.history ?? [],
  };
  return addMigrationHistory(journal, input.at, "plan", "done", { appId: input.app.appId, secretKeyIds: input.secret.keyIds.join(",") || null });
}

/** Before the external calls of `step`; `patch` carries what a resumed run needs to finish the step the same way. */
export function recordMigrationIntent(journal: MigrationJournal, step: MigrationStep, at: string, patch: Partial<MigrationJournal> = {}): MigrationJournal {
  return addMigrationHistory({ ...journal, ...patch, pending: { step, since: at } }, at, step, "intent");
}

/** The intent stays pending: the next run does the step again (each step is idempotent). */
export function recordMigrationFailure(journal: MigrationJournal, step: MigrationStep, at: string, message: string): MigrationJournal {
  return addMigrationHistory({ ...journal, lastFailure: { step, message, at } }, at, step, "failed", { message });
}

function complete(journal: MigrationJournal, step: MigrationStep, at: string, patch: Partial<MigrationJournal>, details?: Details): MigrationJournal {
  return addMigrationHistory({ ...journal, ...patch, pending: null, lastFailure: null }, at, step, "done", details);
}

export function recordBlocked(journal: MigrationJournal, step: MigrationStep, at: string, kind: MigrationBlock, reason: string): MigrationJournal {
  const since = journal.blocked?.kind === kind ? journal.blocked.since : at;
  return addMigrationHistory({ ...journal, pending: null, lastFailure: null, blocked: { kind, reason, since } }, at, step, "blocked", { kind });
}

const isFederationBlock = (kind: MigrationBlock | undefined) => kind === "fic-limit" || kind === "fic-conflict";

export function recordFederated(
  journal: MigrationJournal,
  at: string,
  done: { fics: MigrationJournal["federation"]["fics"]; coveredByOthers: MigrationJournal["federation"]["coveredByOthers"]; oidc: MigrationJournal["oidc"]; created: string[]; removed: string[] },
): MigrationJournal {
  return complete(
    journal,
    "federate",
    at,
    {
      oidc: done.oidc,
      federation: { fics: done.fics, coveredByOthers: done.coveredByOthers, syncedAt: at },
      blocked: isFederationBlock(journal.blocked?.kind) ? null : journal.blocked,
    },
    { fics: done.fics.length, created: done.created.join(",") || null, removed: done.removed.join(",") || null },
  );
}

export function recordConfigured(journal: MigrationJournal, at: string): MigrationJournal {
  const state: MigrationState = journal.state === "planned" ? "federated" : journal.state;
  return complete(journal, "configure", at, { state, idsSetAt: at });
}

export function recordSwitched(journal: MigrationJournal, at: string): MigrationJournal {
  return complete(journal, "switch", at, { state: "waiting", waitingSince: at });
}

export function recordEvidence(
  journal: MigrationJournal,
  at: string,
  evidence: NonNullable<MigrationJournal["evidence"]>,
  secret: MigrationJournal["secret"],
  blocked: { kind: MigrationBlock; reason: string } | null,
): MigrationJournal {
  const base = { ...journal, evidence, secret };
  if (blocked) return recordBlocked(base, "check", at, blocked.kind, blocked.reason);
  return complete(base, "check", at, { blocked: isFederationBlock(journal.blocked?.kind) ? journal.blocked : null }, {
    verdict: evidence.verdict,
    lastSignIn: evidence.lastSignInDateTime,
  });
}

export function recordRetired(journal: MigrationJournal, at: string, done: NonNullable<MigrationJournal["retired"]>): MigrationJournal {
  return complete(journal, "retire", at, { state: "retired", retiredAt: at, retired: done, blocked: null }, {
    variableRemoved: done.variableRemoved,
    removedKeyIds: done.removedKeyIds.join(",") || null,
    basis: journal.retireApproval?.basis ?? null,
  });
}

/** Part-way through the rollback: the credential has a client secret again (a crash after this does not mint twice). */
export function recordSecretRestored(journal: MigrationJournal, at: string, rotationId: string): MigrationJournal {
  if (!journal.rollback) return journal;
  return addMigrationHistory({ ...journal, rollback: { ...journal.rollback, rotationId } }, at, "rollback", "intent", { rotationId });
}

export function recordRolledBack(journal: MigrationJournal, at: string, removedFics: string[]): MigrationJournal {
  const rollback = journal.rollback ? { ...journal.rollback, removedFics } : { requestedBy: journal.actor, at, rotationId: null, removedFics };
  return complete(
    journal,
    "rollback",
    at,
    { state: "rolled-back", rolledBackAt: at, rollback, blocked: null, federation: { ...journal.federation, fics: [], syncedAt: at }, injectedAudience: null },
    { removedFics: removedFics.join(",") || null, rotationId: rollback.rotationId },
  );
}
