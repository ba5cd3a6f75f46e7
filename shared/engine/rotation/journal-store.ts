import { isTerminal, parseJournal, type RotationJournal } from "../../domain/rotation/index.js";
import type { StateStore } from "../../ports/state-store.js";

/** A journal as read, with the ETag its next write must match (null: no record yet). */
export interface JournalHandle {
  journal: RotationJournal | null;
  etag: string | null;
}

export class UnreadableJournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableJournalError";
  }
}

export async function loadJournal(store: StateStore, credential: string): Promise<JournalHandle> {
  const record = await store.get<unknown>("journal", credential);
  if (!record) return { journal: null, etag: null };
  const parsed = parseJournal(credential, record.value);
  if (!parsed.ok) throw new UnreadableJournalError(parsed.message);
  return { journal: parsed.journal, etag: record.etag };
}

/**
 * Writes the next journal only if nobody wrote since we read (ifMatch), or creates it only if it still does
 * not exist (ifNoneMatch): a run that lost its lease gets a ConcurrencyError instead of overwriting progress.
 */
export async function saveJournal(store: StateStore, handle: JournalHandle, next: RotationJournal): Promise<JournalHandle> {
  const etag =
    handle.etag === null
      ? await store.put("journal", next.credential, next, { ifNoneMatch: "*" })
      : await store.put("journal", next.credential, next, { ifMatch: handle.etag });
  return { journal: next, etag };
}

export interface PendingRotation {
  credential: string;
  rotationId?: string;
  state: RotationJournal["state"] | "unreadable";
  /** The step whose outcome is unknown, when a run ended inside it. */
  pendingStep?: string;
  lastFailure?: { step: string; message: string; at: string };
  pushedAt?: string;
  updatedAt?: string;
  /** For "unreadable" records. */
  problem?: string;
}

/** Journals that are not terminal: the cycle resumes these even when its plan has no step for them. */
export async function pendingRotations(store: StateStore): Promise<PendingRotation[]> {
  const records = await store.list<unknown>("journal");
  const pending: PendingRotation[] = [];
  for (const record of records) {
    const parsed = parseJournal(record.key, record.value);
    if (!parsed.ok) {
      pending.push({ credential: record.key, state: "unreadable", problem: parsed.message });
      continue;
    }
    const j = parsed.journal;
    if (isTerminal(j.state)) continue;
    pending.push({
      credential: j.credential,
      rotationId: j.rotationId,
      state: j.state,
      ...(j.pending ? { pendingStep: j.pending.step } : {}),
      ...(j.lastFailure ? { lastFailure: j.lastFailure } : {}),
      ...(j.pushedAt ? { pushedAt: j.pushedAt } : {}),
      updatedAt: j.updatedAt,
    });
  }
  return pending;
}
