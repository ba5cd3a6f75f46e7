/**
 * One JSON file per state table, `<dir>/<table>.json`, readable by people:
 * `{ "version": 1, "records": { "<key>": { "etag": "...", "value": ... } } }`.
 * Files are replaced whole through write-file-atomic (temp file, fsync, rename), so a reader or a crash
 * sees the old file or the new one, never a torn one.
 */
import { readFile, readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";

// Records are checked one by one into a Map: keys such as "__proto__" or "constructor" are ordinary state
// keys here, and a plain object (or zod's record) would treat them as special.
const envelopeSchema = z.strictObject({ version: z.literal(1), records: z.record(z.string(), z.unknown()) });
const recordSchema = z.strictObject({ etag: z.string().min(1), value: z.unknown() });

export interface TableRecord {
  etag: string;
  value: unknown;
}

export interface TableFile {
  records: Map<string, TableRecord>;
}

export const FILE_MODE = 0o600;

export async function readTableFile(path: string): Promise<TableFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: new Map() };
    throw new Error(`local state ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new Error(`local state ${path}: not valid JSON`);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new Error(`local state ${path}: not a watchdog state file (${describe(envelope.error)})`);
  const records = new Map<string, TableRecord>();
  // Object.entries of JSON.parse's result: "__proto__" there is an own property, not the prototype.
  for (const [key, raw] of Object.entries((json as { records: Record<string, unknown> }).records)) {
    const record = recordSchema.safeParse(raw);
    if (!record.success) throw new Error(`local state ${path}: record ${JSON.stringify(key)} is malformed (${describe(record.error)})`);
    records.set(key, record.data);
  }
  return { records };
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`).join("; ");
}

export async function writeTableFile(path: string, file: TableFile): Promise<void> {
  const json = { version: 1, records: Object.fromEntries(file.records) };
  await writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`, { mode: FILE_MODE });
}

/**
 * Removes temp files that write-file-atomic left behind when a writer was killed (`<file>.<number>`).
 * Only safe under the file's lock: every write of the file happens under it, so none is in flight.
 */
export async function sweepOrphanedTempFiles(path: string): Promise<void> {
  const name = basename(path);
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry.startsWith(`${name}.`) && /^\d+$/.test(entry.slice(name.length + 1))) {
      await unlink(join(dirname(path), entry)).catch(() => undefined);
    }
  }
}
