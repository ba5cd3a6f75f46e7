import { z } from "zod";
import { parseJournalRecord, type ParsedJournal } from "../parse-journal.js";

/**
 * The rotation journal: one record per credential (state table `journal`, key = credential name) that
 * says how far the current rotation got. It holds ids, versions and times only — never a value.
 *
 * States, each the last step that is known to have completed:
 *   started  — the "before" picture is taken (app, CircleCI target, what to retire later)
 *   minted   — Graph addPassword returned the new password (its value lives only in that run's memory)
 *   stored   — the value is a Key Vault version tagged with the rotation id and key id
 *   verified — a token was acquired with the new value (before it goes to CircleCI: see README of the engine)
 *   pushed   — CircleCI holds the new value; the overlap starts
 *   retired  — the old password is removed and the old Key Vault versions disabled (terminal)
 *   blocked  — Graph refused the new password (400): the tenant's app management policy forbids it; nothing was
 *              minted (terminal; a person's `watchdog rotate`, or a cycle after `blockedRetryHours`, tries again)
 */
export const rotationStates = ["started", "minted", "stored", "verified", "pushed", "retired", "blocked"] as const;
export type RotationState = (typeof rotationStates)[number];

/** What a run does; `reconcile` is the look at the world after an uncertain outcome. */
export const rotationSteps = ["start", "reconcile", "mint", "store", "verify", "push", "retire"] as const;
export type RotationStep = (typeof rotationSteps)[number];

export const stepOutcomes = ["intent", "done", "failed", "skipped", "refused"] as const;
export type StepOutcome = (typeof stepOutcomes)[number];

export const rotationTriggers = ["plan", "manual"] as const;
export type RotationTrigger = (typeof rotationTriggers)[number];

/** Completed-step order: a state at index i means steps up to i are done. */
export function stateIndex(state: RotationState): number {
  return rotationStates.indexOf(state);
}

export const isTerminal = (state: RotationState): boolean => state === "retired" || state === "blocked";

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const historyEntrySchema = z.object({
  at: z.string(),
  rotationId: z.string(),
  step: z.enum(rotationSteps),
  outcome: z.enum(stepOutcomes),
  /** Ids and short facts only ("keyId", "version", "message" of a failure). */
  details: z.record(z.string(), detailValue).optional(),
});
export type RotationHistoryEntry = z.infer<typeof historyEntrySchema>;

export const ciTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("context"), context: z.string(), contextId: z.string(), variable: z.string() }),
  z.object({ kind: z.literal("project"), project: z.string(), variable: z.string() }),
]);
export type CiTarget = z.infer<typeof ciTargetSchema>;

export const rotationJournalSchema = z.object({
  schema: z.literal(1),
  credential: z.string(),
  rotationId: z.string(),
  trigger: z.enum(rotationTriggers),
  reason: z.string(),
  actor: z.string(),
  state: z.enum(rotationStates),
  /** A step whose intent is recorded but whose outcome is not: its external call may or may not have happened. */
  pending: z.object({ step: z.enum(rotationSteps), since: z.string() }).nullable(),
  /** The last failure of this rotation; cleared once a later run has looked at the world again. */
  lastFailure: z.object({ step: z.enum(rotationSteps), message: z.string(), at: z.string() }).nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  app: z.object({ appId: z.string(), objectId: z.string() }),
  vault: z.object({ secretName: z.string() }),
  ci: ciTargetSchema,
  /** Chosen at start: the passwords CircleCI may still be using and the Key Vault versions that held them. */
  retire: z.object({ keyIds: z.array(z.string()), versions: z.array(z.string()), note: z.string().optional() }),
  /**
   * How long the new secret lives, when the tenant's app management policy caps it below validityDays (chosen
   * at start, so a mint redone after a reconcile asks for the same): days (fractional) and why.
   */
  lifetime: z.object({ days: z.number().positive(), note: z.string() }).nullable().optional(),
  /** Why Graph refused the new password (state blocked): status and code only, never its words. */
  blocked: z.object({ at: z.string(), reason: z.string() }).nullable().optional(),
  /** The new password (key id and expiry; the value is never journaled). */
  minted: z.object({ keyId: z.string(), endDateTime: z.string() }).nullable(),
  /** The Key Vault version that holds the new value. */
  stored: z.object({ version: z.string() }).nullable(),
  verifiedAt: z.string().nullable(),
  pushedAt: z.string().nullable(),
  /**
   * What CircleCI holds since the watchdog's push: the Key Vault version pushed and, for a context variable, the
   * `updated_at` CircleCI answered (its clock, not ours). A later `updated_at` means someone changed the value by
   * hand (drift). Absent in journals written before drift was tracked.
   */
  pushedMark: z.object({ version: z.string(), ciUpdatedAt: z.string().optional() }).optional(),
  retiredAt: z.string().nullable(),
  /** Newest last, at most `historyLimit` entries, carried over from earlier rotations of the credential. */
  history: z.array(historyEntrySchema),
});
export type RotationJournal = z.infer<typeof rotationJournalSchema>;

export const historyLimit = 60;

/** Parses a stored journal record; the error names the credential and the fields that are wrong. */
export function parseJournal(credential: string, value: unknown): ParsedJournal<RotationJournal> {
  return parseJournalRecord(rotationJournalSchema, `journal record of ${credential}`, value);
}
