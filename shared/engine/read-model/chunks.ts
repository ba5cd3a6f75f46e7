/**
 * A part of a stored read as state records: JSON, gzip, Base64, cut into pieces that each fit one Azure Tables
 * string property (64 KiB as UTF-16, the limit both state stores enforce through key-rules.ts). The large
 * benchmark organization's read is about 10 MB of JSON; compressed and split it is a few dozen records.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { PartInfo } from "./format.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Base64 characters per record: `{"d":"…"}` stays under 32 Ki UTF-16 code units (64 KiB). */
export const CHUNK_CHARS = 32_000;

export interface EncodedPart {
  info: PartInfo;
  chunks: string[];
}

export async function encodePart(value: unknown): Promise<EncodedPart> {
  const json = JSON.stringify(value);
  const compressed = await gzipAsync(Buffer.from(json, "utf8"));
  const text = compressed.toString("base64");
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += CHUNK_CHARS) chunks.push(text.slice(at, at + CHUNK_CHARS));
  if (chunks.length === 0) chunks.push("");
  return { info: { chunks: chunks.length, bytes: Buffer.byteLength(json), sha256: createHash("sha256").update(compressed).digest("hex") }, chunks };
}

export type DecodedPart = { ok: true; value: unknown } | { ok: false; problem: string };

/** Reassembles a part; anything missing, torn or mixed from two writes is a problem, never a wrong value. */
export async function decodePart(info: PartInfo, chunks: readonly string[]): Promise<DecodedPart> {
  if (chunks.length !== info.chunks) return { ok: false, problem: `${chunks.length} of ${info.chunks} pieces stored` };
  const compressed = Buffer.from(chunks.join(""), "base64");
  if (createHash("sha256").update(compressed).digest("hex") !== info.sha256) return { ok: false, problem: "pieces do not match their checksum" };
  try {
    return { ok: true, value: JSON.parse((await gunzipAsync(compressed)).toString("utf8")) as unknown };
  } catch {
    return { ok: false, problem: "not gzip-compressed JSON" };
  }
}
