import { parseMigrationJournal, type MigrationJournal } from "../../domain/migration/index.js";
import type { StateStore } from "../../ports/state-store.js";

/** A journal as read, with the ETag its next write must match (null: no record yet). */
export interface MigrationHandle {
  journal: MigrationJournal | null;
  etag: string | null;
}

export class UnreadableMigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableMigrationError";
  }
}

export async function loadMigration(store: StateStore, credential: string): Promise<MigrationHandle> {
  const record = await store.get<unknown>("migrations", credential);
  if (!record) return { journal: null, etag: null };
  const parsed = parseMigrationJournal(credential, record.value);
  if (!parsed.ok) throw new UnreadableMigrationError(parsed.message);
  return { journal: parsed.journal, etag: record.etag };
}

/** Writes only over the version we read (or creates only if still absent): a run that lost the race gets a ConcurrencyError. */
export async function saveMigration(store: StateStore, handle: MigrationHandle, next: MigrationJournal): Promise<MigrationHandle> {
  const etag =
    handle.etag === null
      ? await store.put("migrations", next.credential, next, { ifNoneMatch: "*" })
      : await store.put("migrations", next.credential, next, { ifMatch: handle.etag });
  return { journal: next, etag };
}

/** The lease key of a credential's migration: apart from its rotation's, which a rollback takes while holding this one. */
export const migrationLeaseKey = (credential: string): string => `migration:${credential}`;
