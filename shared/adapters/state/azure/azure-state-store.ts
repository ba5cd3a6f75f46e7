/**
 * StateStore on Azure Tables (the AzureWebJobsStorage account). Layout:
 * - table `<prefix>watchdogstate`: PartitionKey = the StateTable name, RowKey = the escaped key
 *   (see row-key.ts), `value` = the record as JSON, `key` = the plain key for people browsing the table.
 * - table `<prefix>watchdogaudit`: PartitionKey `audit`, RowKey newest first (see audit-row-key.ts),
 *   `entry` = the audit entry as JSON plus `at`, `event`, `subject` columns for browsing.
 * ETags are the service's entity ETags.
 */
import { odata } from "@azure/data-tables";
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import { ConcurrencyError } from "../../../ports/state-store.js";
import type { AuditEntry, PutOptions, StateStore, StateTable, StoredRecord } from "../../../ports/state-store.js";
import { checkKey, checkPrefix, compareKeys, serialiseValue } from "../key-rules.js";
import { auditTime, parseAuditEntry } from "../audit-entry.js";
import { decodeRowKey, encodeRowKey, prefixUpperBound } from "./row-key.js";
import { auditRowKey } from "./audit-row-key.js";
import { StateStoreError, serviceFailure } from "./azure-errors.js";
import { tableClient, tableCreator } from "./table-client.js";
import type { TableConnection } from "./table-client.js";

export type AzureStateStoreOptions = TableConnection & {
  /** Prepended to the table names; lets tests give each store its own tables in one account. */
  tablePrefix?: string;
};

const AUDIT_PARTITION = "audit";
const PAGE_SIZE = 1000;

const stateEntitySchema = z.object({ rowKey: z.string(), value: z.string(), etag: z.string() });
const auditEntitySchema = z.object({ rowKey: z.string(), entry: z.string() });

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`state ${where}: stored value is not valid JSON`);
  }
}

export class AzureTablesStateStore implements StateStore {
  private readonly ensureState: () => Promise<void>;
  private readonly ensureAudit: () => Promise<void>;

  constructor(
    private readonly state: TableClient,
    private readonly audit: TableClient,
  ) {
    this.ensureState = tableCreator(state);
    this.ensureAudit = tableCreator(audit);
  }

  async get<T>(table: StateTable, key: string): Promise<StoredRecord<T> | null> {
    checkKey(table, key);
    await this.ensureState();
    try {
      const entity = await this.state.getEntity(table, encodeRowKey(key));
      return this.toRecord<T>(table, entity);
    } catch (error) {
      if (serviceFailure(error).status === 404) return null;
      throw this.failure("get", table, key, error);
    }
  }

  async put<T>(table: StateTable, key: string, value: T, options: PutOptions = {}): Promise<string> {
    checkKey(table, key);
    if (options.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
      throw new Error(`state put ${table}/${key}: ifMatch and ifNoneMatch cannot be combined`);
    }
    const entity = { partitionKey: table, rowKey: encodeRowKey(key), key, value: serialiseValue(table, key, value) };
    await this.ensureState();
    try {
      if (options.ifNoneMatch === "*") return etagOf(await this.state.createEntity(entity), table, key);
      if (options.ifMatch !== undefined) {
        return etagOf(await this.state.updateEntity(entity, "Replace", { etag: options.ifMatch }), table, key);
      }
      return etagOf(await this.state.upsertEntity(entity, "Replace"), table, key);
    } catch (error) {
      const { status } = serviceFailure(error);
      // 409: create-only found a record; 412: ETag mismatch; 404: the record to replace is gone.
      const conditional = options.ifNoneMatch === "*" ? status === 409 : options.ifMatch !== undefined && (status === 412 || status === 404);
      if (conditional) throw new ConcurrencyError(table, key);
      throw this.failure("put", table, key, error);
    }
  }

  async delete(table: StateTable, key: string, options: { ifMatch?: string } = {}): Promise<void> {
    checkKey(table, key);
    await this.ensureState();
    try {
      await this.state.deleteEntity(table, encodeRowKey(key), { etag: options.ifMatch ?? "*" });
    } catch (error) {
      const { status } = serviceFailure(error);
      if (status === 404 && options.ifMatch === undefined) return;
      if ((status === 404 || status === 412) && options.ifMatch !== undefined) throw new ConcurrencyError(table, key);
      throw this.failure("delete", table, key, error);
    }
  }

  async list<T>(table: StateTable, prefix?: string): Promise<Array<StoredRecord<T>>> {
    checkPrefix(table, prefix);
    await this.ensureState();
    const filter = this.prefixFilter(table, prefix ?? "");
    const records: Array<StoredRecord<T>> = [];
    try {
      const pages = this.state.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: PAGE_SIZE });
      for await (const page of pages) {
        for (const entity of page) {
          const record = this.toRecord<T>(table, entity);
          // The range is exact for our encoding; the check keeps a foreign row from slipping in.
          if (prefix === undefined || record.key.startsWith(prefix)) records.push(record);
        }
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("state ")) throw error;
      throw this.failure("list", table, prefix === undefined ? "*" : `${prefix}*`, error);
    }
    // The service orders RowKeys of escaped keys; callers are promised the order of the plain keys.
    return records.sort((a, b) => compareKeys(a.key, b.key));
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const checked = parseAuditEntry(entry, "to append");
    await this.ensureAudit();
    const rowKey = auditRowKey(auditTime(checked));
    try {
      await this.audit.createEntity({
        partitionKey: AUDIT_PARTITION,
        rowKey,
        at: checked.at,
        event: checked.event,
        subject: checked.subject,
        entry: JSON.stringify(checked),
      });
    } catch (error) {
      throw new StateStoreError("appendAudit", `${this.audit.tableName}/${rowKey}`, serviceFailure(error));
    }
  }

  async listAudit(limit?: number): Promise<AuditEntry[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`listAudit: limit must be a non-negative integer (got ${limit})`);
    if (limit === 0) return [];
    await this.ensureAudit();
    const entries: AuditEntry[] = [];
    const pageSize = Math.min(limit ?? PAGE_SIZE, PAGE_SIZE);
    try {
      const pages = this.audit
        .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${AUDIT_PARTITION}`, select: ["RowKey", "entry"] } })
        .byPage({ maxPageSize: pageSize });
      for await (const page of pages) {
        for (const raw of page) {
          const where = `${this.audit.tableName}/${String(raw.rowKey)}`;
          const entity = auditEntitySchema.safeParse(raw);
          if (!entity.success) throw new Error(`audit entry ${where}: not a watchdog audit row (no "entry" property)`);
          entries.push(parseAuditEntry(parseJson(entity.data.entry, where), where));
          if (limit !== undefined && entries.length >= limit) return entries;
        }
      }
    } catch (error) {
      if (error instanceof Error && /^(state |audit entry )/.test(error.message)) throw error;
      throw new StateStoreError("listAudit", this.audit.tableName, serviceFailure(error));
    }
    return entries;
  }

  private prefixFilter(table: StateTable, prefix: string): string {
    if (prefix === "") return odata`PartitionKey eq ${table}`;
    const lower = encodeRowKey(prefix);
    const upper = prefixUpperBound(lower);
    return upper === null
      ? odata`PartitionKey eq ${table} and RowKey ge ${lower}`
      : odata`PartitionKey eq ${table} and RowKey ge ${lower} and RowKey lt ${upper}`;
  }

  private toRecord<T>(table: StateTable, raw: unknown): StoredRecord<T> {
    const parsed = stateEntitySchema.safeParse(raw);
    const rowKey = typeof raw === "object" && raw !== null && "rowKey" in raw ? String(raw.rowKey) : "?";
    const where = `${this.state.tableName}/${table}/${rowKey}`;
    if (!parsed.success) throw new Error(`state ${where}: not a watchdog state row (needs string "value" and an ETag)`);
    const key = decodeRowKey(parsed.data.rowKey);
    return { key, value: parseJson(parsed.data.value, where) as T, etag: parsed.data.etag };
  }

  private failure(operation: string, table: StateTable, key: string, error: unknown): Error {
    if (error instanceof Error && error.message.startsWith("state ")) return error;
    return new StateStoreError(operation, `${table}/${key}`, serviceFailure(error));
  }
}

function etagOf(response: { etag?: string }, table: StateTable, key: string): string {
  if (!response.etag) throw new Error(`state put ${table}/${key}: the service answered without an ETag`);
  return response.etag;
}

/** The Azure Tables state store; nothing is contacted until the first operation. */
export function createAzureStateStore(options: AzureStateStoreOptions): StateStore {
  const prefix = options.tablePrefix ?? "";
  return new AzureTablesStateStore(tableClient(options, `${prefix}watchdogstate`), tableClient(options, `${prefix}watchdogaudit`));
}
