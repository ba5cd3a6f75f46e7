import type { PlanStep, WatchedCredential } from "../domain/finding.js";
import { compareByDaysLeft } from "./credential-order.js";
import type { CredentialProgress } from "./report-input.js";
import { isExpired } from "./totals.js";

/**
 * The credentials table stops adding rows that need nothing urgent once it reaches this many. A large estate
 * holds tens of thousands of credentials (the benchmark's large world: 19,000, 8.7 MB of rows); nobody reads
 * them all on a status page, and the page has to stay fast to load. What needs attention is never cut.
 */
export const credentialRowLimit = 500;

/** Kinds of credential the summary line counts, in the order it names them. */
export type SourceKind = "circleci" | "entra-secret" | "entra-certificate" | "other";

export interface LeftOutGroup {
  /** "long-lived": unbound CircleCI variables older than maxAgeDays; "ok": unbound and fine. */
  status: "long-lived" | "ok";
  source: SourceKind;
  count: number;
  /** Youngest and oldest age in days among the group's variables, when they have one. */
  ageDays?: { min: number; max: number };
}

export interface TableRows {
  /** The rows, fewest days left first (compareByDaysLeft). */
  listed: WatchedCredential[];
  /** What was left out, one group per status and source kind; empty when every credential is listed. */
  leftOut: LeftOutGroup[];
  leftOutCount: number;
  /** How many of the listed rows are there because the row limit left room (the rest are always listed). */
  filled: number;
}

export function sourceKind(credential: WatchedCredential): SourceKind {
  const { circleci, entra } = credential.source;
  if (entra) return entra.credentialType === "certificate" ? "entra-certificate" : "entra-secret";
  return circleci ? "circleci" : "other";
}

/**
 * Always listed, however many there are: what is in the policy, what has expired, expires within a threshold
 * or matches nothing, and whatever a rotation or migration is working on. These are what an operator acts on.
 */
function mustList(credential: WatchedCredential, steps: ReadonlySet<string>, states: Readonly<Record<string, CredentialProgress>>): boolean {
  if (credential.bound || credential.retiring === true || isExpired(credential)) return true;
  if (credential.status === "expired" || credential.status === "expiring" || credential.status === "not-found") return true;
  return steps.has(credential.credential) || Object.hasOwn(states, credential.credential);
}

/**
 * Long-lived unbound variables are a clean-up backlog (thousands in a large estate, each "add it to the policy
 * or delete it"), so they fill the table after what must be listed, oldest first; fine ones fill what room is
 * left, nearest expiry first. The rest are counted, never silently dropped.
 */
function fillOrder(a: WatchedCredential, b: WatchedCredential): number {
  const tier = (c: WatchedCredential) => (c.status === "long-lived" ? 0 : 1);
  return tier(a) - tier(b) || compareByDaysLeft(a, b);
}

const sourceOrder: readonly SourceKind[] = ["circleci", "entra-secret", "entra-certificate", "other"];

function groupLeftOut(leftOut: readonly WatchedCredential[]): LeftOutGroup[] {
  const groups = new Map<string, LeftOutGroup>();
  for (const credential of leftOut) {
    const status = credential.status === "long-lived" ? "long-lived" : "ok";
    const source = sourceKind(credential);
    const key = `${status} ${source}`;
    const group = groups.get(key) ?? { status, source, count: 0 };
    group.count += 1;
    if (credential.ageDays !== undefined) {
      group.ageDays = { min: Math.min(group.ageDays?.min ?? credential.ageDays, credential.ageDays), max: Math.max(group.ageDays?.max ?? credential.ageDays, credential.ageDays) };
    }
    groups.set(key, group);
  }
  // A fixed order (long-lived before fine, then by source) keeps the bytes the same whatever the plan's order.
  return [...groups.values()].sort(
    (a, b) => (a.status === b.status ? 0 : a.status === "long-lived" ? -1 : 1) || sourceOrder.indexOf(a.source) - sourceOrder.indexOf(b.source),
  );
}

/** Which credentials get a row: everything that needs attention, then the backlog and fine ones up to the limit. */
export function selectTableRows(
  credentials: readonly WatchedCredential[],
  steps: readonly PlanStep[],
  states: Readonly<Record<string, CredentialProgress>>,
  limit = credentialRowLimit,
): TableRows {
  const stepped = new Set(steps.map((s) => s.credential));
  const always: WatchedCredential[] = [];
  const optional: WatchedCredential[] = [];
  for (const credential of credentials) (mustList(credential, stepped, states) ? always : optional).push(credential);
  optional.sort(fillOrder);
  const room = Math.max(0, limit - always.length);
  const leftOut = optional.slice(room);
  const filled = optional.length - leftOut.length;
  return {
    listed: [...always, ...optional.slice(0, room)].sort(compareByDaysLeft),
    leftOut: groupLeftOut(leftOut),
    leftOutCount: leftOut.length,
    filled,
  };
}
