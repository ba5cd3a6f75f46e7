import { parseMigrationJournal, type MigrationJournal } from "../../domain/migration/index.js";
import type { StateStore } from "../../ports/state-store.js";
import { loadJournalFrom, type JournalHandle, type JournalTable } from "../journaled/journal-store.js";

/** Migration journals: state table `migrations`, key = credential name. */
export const migrationJournals: JournalTable<MigrationJournal> = { table: "migrations", parse: parseMigrationJournal };

/** A journal as read, with the ETag its next write must match (null: no record yet). */
export type MigrationHandle = JournalHandle<MigrationJournal>;

export function loadMigration(store: StateStore, credential: string): Promise<MigrationHandle> {
  return loadJournalFrom(store, migrationJournals, credential);
}

/** The lease key of a credential's migration: apart from its rotation's, which a rollback takes while holding this one. */
export const migrationLeaseKey = (credential: string): string => `migration:${credential}`;
