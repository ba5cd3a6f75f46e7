import { describe, expect, it } from "vitest";
import { ageDays, DAY_MS, daysLeft, parseInstant } from "#shared/domain/time.js";

const now = new Date("2026-06-01T12:00:00.000Z");
const plus = (ms: number) => new Date(now.getTime() + ms);

describe("daysLeft = ceil((expires - now) / 1 day)", () => {
  it.each([
    ["exactly 30 days", 30 * DAY_MS, 30],
    ["30 days + 1 ms", 30 * DAY_MS + 1, 31],
    ["29 days + 1 ms", 29 * DAY_MS + 1, 30],
    ["1 ms", 1, 1],
    ["exactly now", 0, 0],
    ["1 ms ago", -1, 0],
    ["exactly 1 day ago", -DAY_MS, -1],
    ["1 day + 1 ms ago", -DAY_MS - 1, -1],
    ["2 days ago", -2 * DAY_MS, -2],
  ])("%s -> %i", (_what, offset, expected) => {
    expect(Object.is(daysLeft(plus(offset), now), expected)).toBe(true);
  });
});

describe("ageDays = floor((now - changed) / 1 day)", () => {
  it.each([
    ["just now", 0, 0],
    ["1 day - 1 ms ago", -(DAY_MS - 1), 0],
    ["exactly 90 days ago", -90 * DAY_MS, 90],
    ["90 days + 1 ms ago", -90 * DAY_MS - 1, 90],
    ["91 days - 1 ms ago", -91 * DAY_MS + 1, 90],
    ["in the future", DAY_MS / 2, -1],
  ])("%s -> %i", (_what, offset, expected) => {
    expect(Object.is(ageDays(plus(offset), now), expected)).toBe(true);
  });
});

describe("parseInstant", () => {
  it("parses ISO 8601 and refuses what is absent or unparsable", () => {
    expect(parseInstant("2026-06-01T12:00:00Z")?.toISOString()).toBe("2026-06-01T12:00:00.000Z");
    expect(parseInstant("2026-06-01T14:00:00+02:00")?.toISOString()).toBe("2026-06-01T12:00:00.000Z");
    for (const value of [null, undefined, "", "not a date", "2026-13-45"]) expect(parseInstant(value)).toBeUndefined();
  });
});
