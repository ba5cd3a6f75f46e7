import type { RotationBlock } from "../../domain/app-policy/index.js";
import { blockedRetryAt, isTerminal, parseJournal, type RotationJournal } from "../../domain/rotation/index.js";
import type { StateStore } from "../../ports/state-store.js";
import { loadJournalFrom, type JournalHandle, type JournalTable } from "../journaled/journal-store.js";

/** Rotation journals: state table `journal`, key = credential name. */
export const rotationJournals: JournalTable<RotationJournal> = { table: "journal", parse: parseJournal };

export function loadJournal(store: StateStore, credential: string): Promise<JournalHandle<RotationJournal>> {
  return loadJournalFrom(store, rotationJournals, credential);
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

/** Rotations Graph refused with a 400 (journals in state blocked): the plan reports each until a mint succeeds. */
export async function rotationBlocks(store: StateStore): Promise<RotationBlock[]> {
  const records = await store.list<unknown>("journal");
  const blocks: RotationBlock[] = [];
  for (const record of records) {
    const parsed = parseJournal(record.key, record.value);
    if (!parsed.ok || parsed.journal.state !== "blocked") continue;
    const j = parsed.journal;
    const retryAt = blockedRetryAt(j)?.toISOString();
    blocks.push({ credential: j.credential, at: j.blocked?.at ?? j.updatedAt, reason: j.blocked?.reason ?? "Graph refused the new client secret", ...(retryAt ? { retryAt } : {}) });
  }
  return blocks;
}
