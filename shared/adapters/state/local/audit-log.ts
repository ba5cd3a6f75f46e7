/**
 * The local audit log, `<dir>/audit.jsonl`: one JSON entry per line, appended under the file lock. A crash
 * can leave a torn last line (no newline at the end): readers ignore it and the next append cuts it off
 * first, so a torn line is never glued to a good one.
 */
import { open, readFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { AuditEntry } from "../../../ports/state-store.js";
import { auditTime, parseAuditEntry } from "../audit-entry.js";
import { FILE_MODE } from "./table-file.js";

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/** Length of the file up to and including its last newline. */
async function lengthOfCompleteLines(handle: FileHandle, size: number): Promise<number> {
  let end = size;
  const buffer = Buffer.alloc(TAIL_CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const at = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/** Appends one entry; the caller holds the lock of `path`. */
export async function appendAuditLine(path: string, entry: AuditEntry): Promise<void> {
  const handle = await open(path, "a+", FILE_MODE);
  try {
    const { size } = await handle.stat();
    const complete = await lengthOfCompleteLines(handle, size);
    if (complete < size) await handle.truncate(complete);
    await handle.write(`${JSON.stringify(entry)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Every complete entry, newest first (by `at`; entries with the same `at` latest appended first). */
export async function readAuditLines(path: string): Promise<AuditEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`local audit ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
  }
  const lines = text.split("\n");
  // The element after the last newline is "" for a clean file, or a torn line after a crash.
  lines.pop();
  const entries = lines.map((line, index) => {
    const where = `${path}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line) as unknown;
    } catch {
      throw new Error(`audit entry ${where}: not valid JSON`);
    }
    return { entry: parseAuditEntry(json, where), index };
  });
  return entries.sort((a, b) => auditTime(b.entry) - auditTime(a.entry) || b.index - a.index).map((e) => e.entry);
}
