import type { ParsedJournal } from "../../domain/parse-journal.js";
import type { StateStore, StateTable } from "../../ports/state-store.js";

/** Where an engine keeps its journals (one record per credential, key = credential name) and how it reads one back. */
export interface JournalTable<J> {
  table: StateTable;
  parse: (credential: string, value: unknown) => ParsedJournal<J>;
}

/** A journal as read, with the ETag its next write must match (null: no record yet). */
export interface JournalHandle<J> {
  journal: J | null;
  etag: string | null;
}

export class UnreadableJournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableJournalError";
  }
}

export async function loadJournalFrom<J>(store: StateStore, journals: JournalTable<J>, credential: string): Promise<JournalHandle<J>> {
  const record = await store.get<unknown>(journals.table, credential);
  if (!record) return { journal: null, etag: null };
  const parsed = journals.parse(credential, record.value);
  if (!parsed.ok) throw new UnreadableJournalError(parsed.message);
  return { journal: parsed.journal, etag: record.etag };
}

/**
 * Writes the next journal only if nobody wrote since we read (ifMatch), or creates it only if it still does
 * not exist (ifNoneMatch): a run that lost its lease gets a ConcurrencyError instead of overwriting progress.
 */
export async function saveJournalTo<J extends { credential: string }>(
  store: StateStore,
  journals: JournalTable<J>,
  handle: JournalHandle<J>,
  next: J,
): Promise<JournalHandle<J>> {
  const etag =
    handle.etag === null
      ? await store.put(journals.table, next.credential, next, { ifNoneMatch: "*" })
      : await store.put(journals.table, next.credential, next, { ifMatch: handle.etag });
  return { journal: next, etag };
}
