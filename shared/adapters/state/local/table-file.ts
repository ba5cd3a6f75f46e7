/**
 * One JSON file per state table, `<dir>/<table>.json`, readable by people:
 * `{ "version": 1, "generation": 7, "records": { "<key>": { "etag": "...", "value": ... } } }`.
 * Files are replaced whole (temp file, fsync, rename), so a reader or a crash sees the old file or the new
 * one, never a torn one.
 *
 * `generation` counts the writes of the file and fences them: a writer renames its file into place only if
 * the generation on disk is still the one it read. A writer that stalled past the lock's stale time, while
 * another took the lock over and wrote, therefore fails instead of overwriting the newer records.
 */
import { readFileSync, renameSync } from "node:fs";
import { open, readFile, readdir, unlink } from "node:fs/promises";
import { randomInt } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { z } from "zod";

// Records are checked one by one into a Map: keys such as "__proto__" or "constructor" are ordinary state
// keys here, and a plain object (or zod's record) would treat them as special.
const envelopeSchema = z.strictObject({ version: z.literal(1), generation: z.number().int().min(0).optional(), records: z.record(z.string(), z.unknown()) });
const recordSchema = z.strictObject({ etag: z.string().min(1), value: z.unknown() });

export interface TableRecord {
  etag: string;
  value: unknown;
}

export interface TableFile {
  /** Writes so far (0 for a file that does not exist, or one written before generations were kept). */
  generation: number;
  records: Map<string, TableRecord>;
}

export class FencedWriteError extends Error {
  constructor(path: string) {
    super(`local state ${path}: another writer replaced the file after this one read it (its lock went stale); nothing was written`);
    this.name = "FencedWriteError";
  }
}

export const FILE_MODE = 0o600;

export async function readTableFile(path: string): Promise<TableFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { generation: 0, records: new Map() };
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
  return { generation: envelope.data.generation ?? 0, records };
}

/** The generation on disk now, read synchronously so that nothing else of this process runs between it and the rename. */
function generationOnDisk(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new Error(`local state ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
  }
  const envelope = envelopeSchema.safeParse(JSON.parse(text) as unknown);
  if (!envelope.success) throw new Error(`local state ${path}: not a watchdog state file`);
  return envelope.data.generation ?? 0;
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`).join("; ");
}

/**
 * Replaces the file with `file` as the next generation, if the generation on disk is still `file.generation`
 * and `stillHeld()` says the lock was not lost; otherwise throws and leaves the file as it is.
 */
export async function writeTableFile(path: string, file: TableFile, stillHeld: () => boolean): Promise<void> {
  const json = { version: 1, generation: file.generation + 1, records: Object.fromEntries(file.records) };
  // `<file>.<digits>`: the name sweepOrphanedTempFiles recognises as a killed writer's leftover.
  const temp = `${path}.${randomInt(2 ** 47)}`;
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(json, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // Check and rename with no await in between: the fence holds against this process's other work, and against
  // other processes up to the width of two system calls.
  try {
    if (!stillHeld() || generationOnDisk(path) !== file.generation) throw new FencedWriteError(path);
    renameSync(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Removes temp files that a killed writer left behind (`<file>.<number>`).
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
