/**
 * Audit RowKeys sort newest first: the inverted timestamp, then an inverted per-process sequence (so two
 * entries of one process in the same millisecond keep their order), then a random suffix (so two processes
 * never collide).
 */
import { randomBytes } from "node:crypto";

/** Latest instant a JS Date can hold; `at` is validated as a date, so inverted times stay non-negative. */
const MAX_TIME_MS = 8_640_000_000_000_000;
const MAX_SEQUENCE = 99_999_999;
let sequence = 0;

export function auditRowKey(atMs: number): string {
  sequence = (sequence + 1) % MAX_SEQUENCE;
  const invertedTime = String(MAX_TIME_MS - atMs).padStart(17, "0");
  const invertedSequence = String(MAX_SEQUENCE - sequence).padStart(8, "0");
  return `${invertedTime}-${invertedSequence}-${randomBytes(4).toString("hex")}`;
}
