import type { EmulatorRequest } from "../core/emulator.js";
import { KeyVaultProblem } from "./state.js";

/** Key Vault never hands out more than 25 items a page, whatever `maxresults` asks. */
export const maxPageSize = 25;

interface SkipToken {
  offset: number;
}

function readSkipToken(raw: string | null): number {
  if (raw === null) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as SkipToken;
    if (Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // falls through to the error below
  }
  throw new KeyVaultProblem(400, "BadParameter", "The $skiptoken query parameter is not valid.");
}

function readMaxResults(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > maxPageSize) {
    throw new KeyVaultProblem(400, "BadParameter", `The maxresults query parameter must be an integer from 1 to ${maxPageSize}.`);
  }
  return n;
}

/**
 * One page of `items` as `{value, nextLink}`. The nextLink is absolute (this emulator's own base URL),
 * keeps the api-version and carries an opaque `$skiptoken`, as Key Vault's do.
 */
export function page<T>(req: EmulatorRequest, items: T[], defaultPageSize: number): { value: T[]; nextLink: string | null } {
  const offset = readSkipToken(req.query.get("$skiptoken"));
  const requested = readMaxResults(req.query.get("maxresults"));
  const size = requested ?? Math.min(defaultPageSize, maxPageSize);
  const value = items.slice(offset, offset + size);
  if (offset + size >= items.length) return { value, nextLink: null };
  const next = new URLSearchParams();
  next.set("api-version", req.query.get("api-version") ?? "");
  next.set("$skiptoken", Buffer.from(JSON.stringify({ offset: offset + size } satisfies SkipToken)).toString("base64url"));
  if (requested !== undefined) next.set("maxresults", String(requested));
  return { value, nextLink: `${req.baseUrl}${req.path}?${next.toString()}` };
}
