/**
 * StateStore in a local directory, for the CLI when no AzureWebJobsStorage is set (WATCHDOG_STATE_DIR,
 * default `.watchdog`). Each state table is one JSON file (table-file.ts); every read-modify-write holds
 * that file's cross-process lock (file-lock.ts), so two CLI runs at once cannot lose an update; a writer
 * that stalls past the lock's stale time is fenced by the file's generation (table-file.ts). ETags are
 * random per write. The directory is 0700 and the files 0600: state names credentials (never values).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { ConcurrencyError } from "../../../ports/state-store.js";
import type { AuditEntry, PutOptions, StateStore, StateTable, StoredRecord } from "../../../ports/state-store.js";
import { checkKey, checkPrefix, checkTable, compareKeys, serialiseValue } from "../key-rules.js";
import { parseAuditEntry } from "../audit-entry.js";
import { DEFAULT_STALE_MS, withFileLock } from "./file-lock.js";
import { readTableFile, sweepOrphanedTempFiles, writeTableFile } from "./table-file.js";
import type { TableFile } from "./table-file.js";
import { appendAuditLine, readAuditLines } from "./audit-log.js";

export interface LocalStateStoreOptions {
  /** WATCHDOG_STATE_DIR; created (mode 0700) on first write. */
  dir: string;
  /** How long a lock may go unrefreshed before another process takes it over (default 4 s, at least 2 s). */
  staleLockMs?: number;
}

export const AUDIT_FILE = "audit.jsonl";

export class LocalStateStore implements StateStore {
  private ready: Promise<void> | undefined;
  private readonly swept = new Set<StateTable>();

  constructor(
    readonly dir: string,
    private readonly staleLockMs = DEFAULT_STALE_MS,
  ) {}

  /** Path of the file holding `table`. */
  tablePath(table: StateTable): string {
    checkTable(table);
    return join(this.dir, `${table}.json`);
  }

  async get<T>(table: StateTable, key: string): Promise<StoredRecord<T> | null> {
    checkKey(table, key);
    const record = (await readTableFile(this.tablePath(table))).records.get(key);
    return record ? { key, value: record.value as T, etag: record.etag } : null;
  }

  async put<T>(table: StateTable, key: string, value: T, options: PutOptions = {}): Promise<string> {
    checkKey(table, key);
    if (options.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
      throw new Error(`state put ${table}/${key}: ifMatch and ifNoneMatch cannot be combined`);
    }
    // Stored as parsed JSON so the file stays readable; serialising first applies the shared size rule.
    const stored = JSON.parse(serialiseValue(table, key, value)) as unknown;
    const path = this.tablePath(table);
    await this.ensureDir();
    return withFileLock(
      path,
      async (stillHeld) => {
        const file = await readTableFile(path);
        const current = file.records.get(key);
        if (options.ifNoneMatch === "*" && current) throw new ConcurrencyError(table, key);
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) throw new ConcurrencyError(table, key);
        const etag = randomUUID();
        file.records.set(key, { etag, value: stored });
        await this.write(table, file, stillHeld);
        return etag;
      },
      this.staleLockMs,
    );
  }

  async delete(table: StateTable, key: string, options: { ifMatch?: string } = {}): Promise<void> {
    checkKey(table, key);
    const path = this.tablePath(table);
    await this.ensureDir();
    await withFileLock(
      path,
      async (stillHeld) => {
        const file = await readTableFile(path);
        const current = file.records.get(key);
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) throw new ConcurrencyError(table, key);
        if (!current) return;
        file.records.delete(key);
        await this.write(table, file, stillHeld);
      },
      this.staleLockMs,
    );
  }

  async list<T>(table: StateTable, prefix?: string): Promise<Array<StoredRecord<T>>> {
    checkPrefix(table, prefix);
    const { records } = await readTableFile(this.tablePath(table));
    return [...records]
      .filter(([key]) => prefix === undefined || key.startsWith(prefix))
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([key, record]) => ({ key, value: record.value as T, etag: record.etag }));
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const checked = parseAuditEntry(entry, "to append");
    const path = join(this.dir, AUDIT_FILE);
    await this.ensureDir();
    await withFileLock(path, () => appendAuditLine(path, checked), this.staleLockMs);
  }

  async listAudit(limit?: number): Promise<AuditEntry[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`listAudit: limit must be a non-negative integer (got ${limit})`);
    const entries = await readAuditLines(join(this.dir, AUDIT_FILE));
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  /** Writes a table file; the caller holds its lock. */
  private async write(table: StateTable, file: TableFile, stillHeld: () => boolean): Promise<void> {
    const path = this.tablePath(table);
    if (!this.swept.has(table)) {
      await sweepOrphanedTempFiles(path);
      this.swept.add(table);
    }
    await writeTableFile(path, file, stillHeld);
  }

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined;
        throw new Error(`local state ${this.dir}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
      },
    );
    return this.ready;
  }
}

export function createLocalStateStore(options: LocalStateStoreOptions): StateStore {
  return new LocalStateStore(options.dir, options.staleLockMs);
}
