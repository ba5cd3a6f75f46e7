/**
 * Rules every state key and value obey in both adapters, so that the embedded store accepts exactly what
 * Azure Tables does and the CLI cannot write state the Functions app could not read.
 */
import type { StateTable } from "../../ports/state-store.js";

/**
 * Azure Tables caps a RowKey at 1 KiB (UTF-16: 512 code units) and escaping can triple a character:
 * 160 code units stay below the cap whatever the key holds.
 */
export const MAX_KEY_LENGTH = 160;

/** Azure Tables stores a string property as UTF-16, at most 64 KiB. */
export const MAX_VALUE_JSON_BYTES = 64 * 1024;

export const STATE_TABLES: readonly StateTable[] = ["journal", "leases", "ledger", "outbox", "migrations", "health", "reads", "broker"];

export class StateKeyError extends Error {
  constructor(table: string, key: string, problem: string) {
    super(`state ${table}/${JSON.stringify(key)}: ${problem}`);
    this.name = "StateKeyError";
  }
}

export class StateValueError extends Error {
  constructor(table: string, key: string, problem: string) {
    super(`state ${table}/${JSON.stringify(key)}: ${problem}`);
    this.name = "StateValueError";
  }
}

const loneSurrogate = /[\uD800-\uDFFF]/u;

export function checkTable(table: string): asserts table is StateTable {
  if (!(STATE_TABLES as readonly string[]).includes(table)) {
    throw new StateKeyError(table, "", `unknown state table (expected one of ${STATE_TABLES.join(", ")})`);
  }
}

export function checkKey(table: StateTable, key: string): void {
  checkTable(table);
  if (typeof key !== "string" || key.length === 0) throw new StateKeyError(table, String(key), "key must be a non-empty string");
  if (key.length > MAX_KEY_LENGTH) throw new StateKeyError(table, key.slice(0, 40) + "…", `key is longer than ${MAX_KEY_LENGTH} characters`);
  if (loneSurrogate.test(key)) throw new StateKeyError(table, key, "key contains a lone UTF-16 surrogate");
}

export function checkPrefix(table: StateTable, prefix: string | undefined): void {
  checkTable(table);
  if (prefix !== undefined && loneSurrogate.test(prefix)) throw new StateKeyError(table, prefix, "prefix contains a lone UTF-16 surrogate");
}

/**
 * Serialises a value for storage; the message of a failure names the table, key and size, never the value
 * (state must not hold secret values, but an error message is the wrong place to find out).
 */
export function serialiseValue(table: StateTable, key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new StateValueError(table, key, `value is not JSON-serialisable (${(error as Error).name})`);
  }
  if (json === undefined) throw new StateValueError(table, key, "value is not JSON-serialisable (undefined, a function or a symbol)");
  const bytes = json.length * 2;
  if (bytes > MAX_VALUE_JSON_BYTES) {
    throw new StateValueError(table, key, `value is ${bytes} bytes as UTF-16 JSON, above the ${MAX_VALUE_JSON_BYTES}-byte limit of an Azure Tables property`);
  }
  return json;
}

/** JS string order (UTF-16 code units), the order `list` promises in both adapters. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
