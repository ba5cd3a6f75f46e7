/** Dates and durations as the page shows them: UTC, day-precise, in words a person reads at a glance. */

const MINUTE = 60_000;

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

function parse(iso: string): Date | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** "2026-11-29", or the text as given when it is not a date (outside data is untrusted; it is escaped later). */
export function formatDay(iso: string): string {
  return parse(iso)?.toISOString().slice(0, 10) ?? iso;
}

/** "2026-11-25 18:24 UTC". */
export function formatMinute(iso: string): string {
  const at = parse(iso);
  return at ? `${at.toISOString().slice(0, 16).replace("T", " ")} UTC` : iso;
}

/** Days left as in the plan (ceil of 24-hour spans): "in 4 days", "expired today", "expired 5 days ago". */
export function describeDaysLeft(daysLeft: number): string {
  if (daysLeft > 0) return `in ${plural(daysLeft, "day")}`;
  if (daysLeft === 0) return "expired today";
  return `expired ${plural(-daysLeft, "day")} ago`;
}

/** "just now", "12 min ago", "3 h ago", "2 days ago". */
export function describeAgo(iso: string, now: Date): string {
  const at = parse(iso);
  if (!at) return "";
  const minutes = Math.floor((now.getTime() - at.getTime()) / MINUTE);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${plural(Math.floor(hours / 24), "day")} ago`;
}

/** "18,997": digits grouped by hand, so the bytes do not depend on the runtime's locale data. */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "a", "a and b", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1] ?? ""}`;
}
