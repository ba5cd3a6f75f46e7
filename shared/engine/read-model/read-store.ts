/**
 * The read model in the state store (table `reads`):
 * - `latest`: the pointer (format.ts) to the current stored read, replaced with ETag concurrency;
 * - `part/<id>/<part>/<nnnn>`: the pieces of each part (chunks.ts).
 *
 * A read is written piece by piece under a new id, then the pointer is moved to it, only forward in time (a
 * slower writer that read the world earlier never replaces a newer read), then the pieces of older reads are
 * removed. A reader that finds pieces gone or mixed (the pointer moved on meanwhile) reads the pointer again.
 */
import { randomBytes } from "node:crypto";
import pLimit from "p-limit";
import { z } from "zod";
import { ConcurrencyError, type StateStore } from "../../ports/state-store.js";
import { checkPart, parsePointer, READ_FORMAT, readParts, type ReadInfo, type ReadOrigin, type ReadPart, type ReadParts, type ReadPointer } from "./format.js";
import { decodePart, encodePart, type EncodedPart } from "./chunks.js";

const TABLE = "reads";
const POINTER_KEY = "latest";
const PIECES = "part/";
const WRITE_CONCURRENCY = 4;
const READ_ATTEMPTS = 3;
const POINTER_ATTEMPTS = 5;

const pieceSchema = z.object({ d: z.string() });

const pieceKey = (id: string, part: ReadPart, index: number) => `${PIECES}${id}/${part}/${String(index).padStart(4, "0")}`;
const idOfPieceKey = (key: string) => key.slice(PIECES.length).split("/")[0] ?? "";

/** Fixed-length time first, so that ids sort as the reads were taken. */
function newReadId(takenAt: string): string {
  return `${new Date(takenAt).toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

/**
 * The decoded parts of the current read, kept by one instance for one store: while the pointer does not move,
 * serving a read costs one pointer lookup. Only the latest read is kept.
 */
export class ReadMemo {
  private id: string | undefined;
  private readonly parts = new Map<ReadPart, unknown>();

  get(id: string, part: ReadPart): { value: unknown } | undefined {
    return this.id === id && this.parts.has(part) ? { value: this.parts.get(part) } : undefined;
  }

  remember(id: string, part: ReadPart, value: unknown): void {
    if (this.id !== id) {
      this.id = id;
      this.parts.clear();
    }
    this.parts.set(part, value);
  }
}

export type PointerRead = { kind: "none" } | { kind: "unreadable"; problem: string } | { kind: "found"; pointer: ReadPointer; etag: string };

export async function readPointer(store: StateStore): Promise<PointerRead> {
  const record = await store.get<unknown>(TABLE, POINTER_KEY);
  if (!record) return { kind: "none" };
  const parsed = parsePointer(record.value);
  return parsed.ok ? { kind: "found", pointer: parsed.pointer, etag: record.etag } : { kind: "unreadable", problem: parsed.problem };
}

export function infoOf(pointer: ReadPointer): ReadInfo {
  return { takenAt: pointer.takenAt, complete: pointer.complete, origin: pointer.origin, storedAt: pointer.storedAt };
}

export type SaveOutcome = { stored: true; pointer: ReadPointer } | { stored: false; supersededBy: ReadInfo };

/** Stores a read and makes it current, unless a read taken at the same time or later is current already. */
export async function saveRead(store: StateStore, read: { origin: ReadOrigin; parts: ReadParts }, storedAt: Date, memo?: ReadMemo): Promise<SaveOutcome> {
  const takenAt = read.parts.snapshot.takenAt;
  const id = newReadId(takenAt);
  const present = readParts.filter((part) => read.parts[part] !== undefined);
  const encoded = new Map<ReadPart, EncodedPart>();
  for (const part of present) encoded.set(part, await encodePart(read.parts[part]));

  const limit = pLimit(WRITE_CONCURRENCY);
  const writes = [...encoded].flatMap(([part, { chunks }]) => chunks.map((d, index) => limit(() => store.put(TABLE, pieceKey(id, part, index), { d }))));
  await Promise.all(writes);

  const pointer: ReadPointer = {
    format: READ_FORMAT,
    id,
    origin: read.origin,
    takenAt,
    storedAt: storedAt.toISOString(),
    complete: read.parts.plan.complete,
    parts: Object.fromEntries([...encoded].map(([part, { info }]) => [part, info])),
  };
  for (let attempt = 1; attempt <= POINTER_ATTEMPTS; attempt++) {
    const current = await store.get<unknown>(TABLE, POINTER_KEY);
    const parsed = current ? parsePointer(current.value) : null;
    if (parsed?.ok && Date.parse(parsed.pointer.takenAt) >= Date.parse(takenAt)) {
      await removePieces(store, (pieceId) => pieceId === id);
      return { stored: false, supersededBy: infoOf(parsed.pointer) };
    }
    try {
      // An unreadable pointer (another format, damage) is replaced: this read is one this watchdog can serve.
      if (current) await store.put(TABLE, POINTER_KEY, pointer, { ifMatch: current.etag });
      else await store.put(TABLE, POINTER_KEY, pointer, { ifNoneMatch: "*" });
    } catch (error) {
      if (error instanceof ConcurrencyError) continue;
      throw error;
    }
    for (const part of present) memo?.remember(id, part, read.parts[part]);
    await removePieces(store, (pieceId) => pieceId < id);
    return { stored: true, pointer };
  }
  throw new Error(`read model: the pointer kept changing under ${POINTER_ATTEMPTS} attempts to store the read taken at ${takenAt}`);
}

/**
 * Removes the pieces of reads no pointer will name again. A reader still on one of them reads the pointer
 * again; a writer of an older read that has not moved the pointer yet never will (the pointer only moves forward).
 */
async function removePieces(store: StateStore, doomed: (id: string) => boolean): Promise<void> {
  const pieces = await store.list<unknown>(TABLE, PIECES);
  const limit = pLimit(WRITE_CONCURRENCY);
  await Promise.all(pieces.filter((p) => doomed(idOfPieceKey(p.key))).map((p) => limit(() => store.delete(TABLE, p.key))));
}

export type LoadedRead<P extends ReadPart> = { info: ReadInfo; id: string; parts: Pick<ReadParts, P> };

export type ReadLoad<P extends ReadPart> = { kind: "none" } | { kind: "unreadable"; problem: string } | { kind: "found"; read: LoadedRead<P> };

async function loadPart(store: StateStore, pointer: ReadPointer, part: ReadPart, memo: ReadMemo | undefined): Promise<{ ok: true; value: unknown } | { ok: false; torn: boolean; problem: string }> {
  const kept = memo?.get(pointer.id, part);
  if (kept) return { ok: true, value: kept.value };
  const info = pointer.parts[part];
  if (!info) return { ok: false, torn: false, problem: `part ${part}: not stored` };
  const records = await store.list<unknown>(TABLE, `${PIECES}${pointer.id}/${part}/`);
  const chunks: string[] = [];
  for (const record of records) {
    const piece = pieceSchema.safeParse(record.value);
    if (!piece.success) return { ok: false, torn: false, problem: `part ${part}: piece ${record.key} is malformed` };
    chunks.push(piece.data.d);
  }
  const decoded = await decodePart(info, chunks);
  if (!decoded.ok) return { ok: false, torn: true, problem: `part ${part}: ${decoded.problem}` };
  const checked = checkPart(part, decoded.value);
  if (!checked.ok) return { ok: false, torn: false, problem: checked.problem };
  memo?.remember(pointer.id, part, checked.value);
  return { ok: true, value: checked.value };
}

/**
 * The current stored read with the parts asked for (`result` may be absent: only cycles store one). Never a
 * wrong or half-written value: "unreadable" names what is wrong with it.
 */
export async function loadRead<P extends ReadPart>(store: StateStore, parts: readonly P[], memo?: ReadMemo): Promise<ReadLoad<P>> {
  let problem = "";
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const found = await readPointer(store);
    if (found.kind !== "found") return found;
    const { pointer } = found;
    const values: Partial<ReadParts> = {};
    let torn = false;
    for (const part of parts) {
      if (part === "result" && !pointer.parts.result) continue;
      const loaded = await loadPart(store, pointer, part, memo);
      if (!loaded.ok) {
        if (!loaded.torn) return { kind: "unreadable", problem: `stored read ${pointer.id}: ${loaded.problem}` };
        torn = true;
        problem = loaded.problem;
        break;
      }
      Object.assign(values, { [part]: loaded.value });
    }
    if (!torn) return { kind: "found", read: { info: infoOf(pointer), id: pointer.id, parts: values as Pick<ReadParts, P> } };
  }
  return { kind: "unreadable", problem: `stored read: ${problem}` };
}
