import {
  historyLimit,
  type CiTarget,
  type RotationHistoryEntry,
  type RotationJournal,
  type RotationState,
  type RotationStep,
  type RotationTrigger,
} from "./journal.js";

/**
 * Pure journal updates. Each returns a new journal; the engine writes it (with the record's ETag) before
 * (intent) and after (outcome) the external call of the step.
 */

type Details = NonNullable<RotationHistoryEntry["details"]>;

function appendHistory(history: RotationHistoryEntry[], entry: RotationHistoryEntry): RotationHistoryEntry[] {
  const next = [...history, entry];
  return next.length > historyLimit ? next.slice(next.length - historyLimit) : next;
}

export function addHistory(journal: RotationJournal, at: string, step: RotationStep, outcome: RotationHistoryEntry["outcome"], details?: Details): RotationJournal {
  const entry: RotationHistoryEntry = { at, rotationId: journal.rotationId, step, outcome, ...(details ? { details } : {}) };
  return { ...journal, updatedAt: at, history: appendHistory(journal.history, entry) };
}

export interface StartInput {
  credential: string;
  rotationId: string;
  trigger: RotationTrigger;
  reason: string;
  actor: string;
  at: string;
  app: RotationJournal["app"];
  vault: RotationJournal["vault"];
  ci: CiTarget;
  retire: RotationJournal["retire"];
  /** The credential's previous (terminal) journal: its history is carried over. */
  previous: RotationJournal | null;
  /** The lifetime the tenant's app management policy allows, when it is less than validityDays. */
  lifetime?: { days: number; note: string } | null;
}

export function startJournal(input: StartInput): RotationJournal {
  const journal: RotationJournal = {
    schema: 1,
    credential: input.credential,
    rotationId: input.rotationId,
    trigger: input.trigger,
    reason: input.reason,
    actor: input.actor,
    state: "started",
    pending: null,
    lastFailure: null,
    startedAt: input.at,
    updatedAt: input.at,
    app: input.app,
    vault: input.vault,
    ci: input.ci,
    retire: input.retire,
    ...(input.lifetime ? { lifetime: input.lifetime } : {}),
    minted: null,
    stored: null,
    verifiedAt: null,
    pushedAt: null,
    retiredAt: null,
    history: input.previous?.history ?? [],
  };
  return addHistory(journal, input.at, "start", "done", {
    trigger: input.trigger,
    retireKeyIds: input.retire.keyIds.join(",") || null,
    retireVersions: input.retire.versions.join(",") || null,
  });
}

/**
 * Graph refused the new password with a 400: a well-formed addPassword is refused for the tenant's app
 * management policy (Graph documents no code for it). Nothing was minted; the rotation ends here.
 */
export function recordBlocked(journal: RotationJournal, at: string, reason: string): RotationJournal {
  return addHistory({ ...journal, state: "blocked", pending: null, lastFailure: null, blocked: { at, reason } }, at, "mint", "refused", { message: reason });
}

/** Before the external call of `step`: from here until its outcome is written, the world is uncertain. */
export function recordIntent(journal: RotationJournal, step: RotationStep, at: string): RotationJournal {
  return addHistory({ ...journal, pending: { step, since: at } }, at, step, "intent");
}

/**
 * The call failed (or its answer was lost). The intent stays pending: the call may have taken effect, so
 * the next run looks at the world before going on.
 */
export function recordFailure(journal: RotationJournal, step: RotationStep, at: string, message: string): RotationJournal {
  return addHistory({ ...journal, lastFailure: { step, message, at } }, at, step, "failed", { message });
}

function complete(journal: RotationJournal, step: RotationStep, state: RotationState, at: string, patch: Partial<RotationJournal>, details?: Details): RotationJournal {
  return addHistory({ ...journal, ...patch, state, pending: null, lastFailure: null }, at, step, "done", details);
}

export function recordMinted(journal: RotationJournal, at: string, password: { keyId: string; endDateTime: string }): RotationJournal {
  return complete(journal, "mint", "minted", at, { minted: password, stored: null, verifiedAt: null, pushedAt: null }, { keyId: password.keyId, endDateTime: password.endDateTime });
}

export function recordStored(journal: RotationJournal, at: string, version: string): RotationJournal {
  return complete(journal, "store", "stored", at, { stored: { version } }, { keyId: journal.minted?.keyId ?? null, version });
}

export function recordVerified(journal: RotationJournal, at: string, attempts: number): RotationJournal {
  return complete(journal, "verify", "verified", at, { verifiedAt: at }, { keyId: journal.minted?.keyId ?? null, attempts });
}

export function recordPushed(journal: RotationJournal, at: string, ciUpdatedAt?: string): RotationJournal {
  const version = journal.stored?.version ?? null;
  const pushedMark = version ? { pushedMark: { version, ...(ciUpdatedAt ? { ciUpdatedAt } : {}) } } : {};
  return complete(journal, "push", "pushed", at, { pushedAt: at, ...pushedMark }, { keyId: journal.minted?.keyId ?? null, version, ciUpdatedAt: ciUpdatedAt ?? null });
}

/** `watchdog rotate <name> --repush`: Key Vault's current version put back into CircleCI; the state is unchanged. */
export function recordRepushed(journal: RotationJournal, at: string, version: string, ciUpdatedAt?: string): RotationJournal {
  return addHistory({ ...journal, pushedMark: { version, ...(ciUpdatedAt ? { ciUpdatedAt } : {}) }, updatedAt: at }, at, "push", "done", { repush: true, version, ciUpdatedAt: ciUpdatedAt ?? null });
}

export function recordRetired(journal: RotationJournal, at: string, done: { removedKeyIds: string[]; disabledVersions: string[] }): RotationJournal {
  return complete(journal, "retire", "retired", at, { retiredAt: at }, {
    removedKeyIds: done.removedKeyIds.join(",") || null,
    disabledVersions: done.disabledVersions.join(",") || null,
  });
}
