import type { EmulatorReply, EmulatorRequest } from "../core/emulator.js";
import { graphBadRequest } from "./graph-errors.js";

const defaultTop = 100;
const maxTop = 999;

export interface Page<T> {
  items: T[];
  /** Absolute URL of the next page, keeping every other query option. */
  nextLink?: string;
}

function encodeSkipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeSkipToken(token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset?: unknown };
    return typeof parsed.offset === "number" && Number.isInteger(parsed.offset) && parsed.offset >= 0 ? parsed.offset : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Graph's server-driven paging: `$top` (1..999, default 100) capped by the emulator's `maxPageSize`,
 * continued through `$skiptoken` in an absolute `@odata.nextLink`.
 */
export function paginate<T>(req: EmulatorRequest, all: T[], maxPageSize: number, limits: { defaultTop: number; maxTop: number } = { defaultTop, maxTop }): Page<T> | { reply: EmulatorReply } {
  const topText = req.query.get("$top");
  let top = limits.defaultTop;
  if (topText !== null) {
    top = Number(topText);
    if (!/^\d+$/.test(topText) || top < 1 || top > limits.maxTop) {
      return { reply: graphBadRequest(`Invalid page size specified: '${topText}'. Must be between 1 and ${limits.maxTop} inclusive.`) };
    }
  }
  const tokenText = req.query.get("$skiptoken") ?? req.query.get("$skipToken");
  let offset = 0;
  if (tokenText !== null) {
    const decoded = decodeSkipToken(tokenText);
    if (decoded === undefined) return { reply: graphBadRequest(`Invalid $skiptoken '${tokenText}'.`, "Directory_InvalidPagingToken") };
    offset = decoded;
  }
  const size = Math.min(top, maxPageSize);
  const items = all.slice(offset, offset + size);
  if (offset + size >= all.length) return { items };
  // Keys stay literal ("$select", not "%24select") as in Graph's own links.
  const query = [...req.query.entries()]
    .filter(([key]) => key.toLowerCase() !== "$skiptoken")
    .concat([["$skiptoken", encodeSkipToken(offset + size)]])
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join("&");
  return { items, nextLink: `${req.baseUrl}${req.path}?${query}` };
}

/** `$select` as a list of property names, or a 400 naming the unknown one. */
export function parseSelect(req: EmulatorRequest, known: string[], type: string): { properties?: string[] } | { reply: EmulatorReply } {
  const text = req.query.get("$select");
  if (text === null || text.trim() === "") return { properties: undefined };
  const properties = text.split(",").map((p) => p.trim());
  const unknown = properties.find((p) => !known.includes(p));
  if (unknown !== undefined) {
    return { reply: graphBadRequest(`Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.`) };
  }
  return { properties };
}
