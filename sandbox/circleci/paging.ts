import type { EmulatorReply, EmulatorRequest } from "../core/emulator.js";

/**
 * CircleCI pages with an opaque `page-token` and chooses the page size itself. The token here carries
 * the listing it belongs to and the offset, so a token from another listing is refused like CircleCI does.
 */
export function pageOf<T, W>(
  req: EmulatorRequest,
  listing: string,
  all: T[],
  pageSize: number,
  toWire: (item: T) => W,
): { items: W[]; next_page_token: string | null } | EmulatorReply {
  let offset = 0;
  const token = req.query.get("page-token");
  if (token) {
    const decoded = decode(token);
    if (!decoded || decoded.listing !== listing) {
      return { status: 400, json: { message: "Invalid page-token." } };
    }
    offset = decoded.offset;
  }
  const slice = all.slice(offset, offset + pageSize);
  const next = offset + pageSize < all.length ? encode({ listing, offset: offset + pageSize }) : null;
  return { items: slice.map(toWire), next_page_token: next };
}

export function isReply(value: unknown): value is EmulatorReply {
  return typeof value === "object" && value !== null && "status" in value;
}

function encode(token: { listing: string; offset: number }): string {
  return Buffer.from(JSON.stringify([token.listing, token.offset])).toString("base64url");
}

function decode(token: string): { listing: string; offset: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && Number.isInteger(parsed[1]) && (parsed[1] as number) >= 0) {
      return { listing: parsed[0], offset: parsed[1] as number };
    }
  } catch {
    // falls through: not a token we issued
  }
  return undefined;
}
