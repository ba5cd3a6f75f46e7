import type { Alert } from "../alert.js";
import { alertId } from "../alerts/alert-id.js";

/** How the last cycles went, kept in the state store (`health/cycle`) for `watchdog health` and GET /api/health. */
export interface CycleHealth {
  lastStartedAt: string;
  lastFinishedAt: string;
  lastResult: CycleResult;
  /** Failed or incomplete cycles in a row, this one included; 0 after a success. */
  failuresInRow: number;
  /** Start of the first failed cycle of the current run of failures. */
  failingSince?: string;
  /** What failed last, in our own words ("inventory: circleci contexts: …"). */
  lastFailure?: string;
  lastSucceededAt?: string;
  inventoryComplete: boolean;
  /** `failingSince` of the run of failures already alerted (one alert per run). */
  alertedFailingSince?: string;
}

export type CycleResult = "succeeded" | "failed" | "incomplete";

export interface CycleOutcome {
  startedAt: Date;
  finishedAt: Date;
  /** Steps that failed, as the cycle report lists them. */
  failures: Array<{ step: string; message: string }>;
  inventoryComplete: boolean;
  /** Sources that could not be read, when the inventory was incomplete. */
  sourceErrors: Array<{ source: string; where: string; message: string }>;
}

export function cycleResult(outcome: Pick<CycleOutcome, "failures" | "inventoryComplete">): CycleResult {
  if (outcome.failures.length > 0) return "failed";
  return outcome.inventoryComplete ? "succeeded" : "incomplete";
}

function describeFailure(outcome: CycleOutcome): string | undefined {
  const first = outcome.failures[0];
  if (first) return `${first.step}: ${first.message}${outcome.failures.length > 1 ? ` (and ${outcome.failures.length - 1} more)` : ""}`;
  const error = outcome.sourceErrors[0];
  if (error) return `incomplete inventory: ${error.source} ${error.where}: ${error.message}${outcome.sourceErrors.length > 1 ? ` (and ${outcome.sourceErrors.length - 1} more)` : ""}`;
  return undefined;
}

/** The health after one more cycle. */
export function nextHealth(previous: CycleHealth | undefined, outcome: CycleOutcome): CycleHealth {
  const result = cycleResult(outcome);
  const base = {
    lastStartedAt: outcome.startedAt.toISOString(),
    lastFinishedAt: outcome.finishedAt.toISOString(),
    lastResult: result,
    inventoryComplete: outcome.inventoryComplete,
  };
  if (result === "succeeded") return { ...base, failuresInRow: 0, lastSucceededAt: base.lastFinishedAt };
  const continuing = previous !== undefined && previous.failuresInRow > 0;
  const failingSince = continuing ? (previous.failingSince ?? base.lastStartedAt) : base.lastStartedAt;
  return {
    ...base,
    failuresInRow: continuing ? previous.failuresInRow + 1 : 1,
    failingSince,
    ...(describeFailure(outcome) ? { lastFailure: describeFailure(outcome) } : {}),
    ...(previous?.lastSucceededAt ? { lastSucceededAt: previous.lastSucceededAt } : {}),
    ...(continuing && previous.alertedFailingSince ? { alertedFailingSince: previous.alertedFailingSince } : {}),
  };
}

export const selfWatchCredential = "secret-watchdog";

/**
 * The alerts the watchdog raises about itself: one critical alert when `alertAfter` failed or incomplete cycles in a
 * row are reached (once per run of failures), one `resolved` when a cycle succeeds after such an alert. Returns the
 * health to store (with the alerted run marked).
 */
export function selfWatchAlerts(
  previous: CycleHealth | undefined,
  next: CycleHealth,
  options: { alertAfter: number; failingSinks: readonly string[]; now: Date },
): { raise: Alert[]; health: CycleHealth } {
  const at = options.now.toISOString();
  if (next.lastResult === "succeeded") {
    const alerted = previous?.alertedFailingSince;
    if (!alerted) return { raise: [], health: next };
    return {
      raise: [
        {
          id: alertId({ kind: "resolved", credential: selfWatchCredential, marker: alerted }),
          kind: "resolved",
          severity: "info",
          credential: selfWatchCredential,
          title: `${selfWatchCredential}: cycles succeed again (they had failed since ${alerted})`,
          source: {},
          nextStep: "Nothing to do.",
          raisedAt: at,
        },
      ],
      health: next,
    };
  }
  if (next.failuresInRow < options.alertAfter || next.alertedFailingSince === next.failingSince) return { raise: [], health: next };
  const since = next.failingSince ?? next.lastStartedAt;
  const skipped = options.failingSinks.length > 0 ? ` Not sent to ${options.failingSinks.join(", ")}: delivery there is failing too.` : "";
  return {
    raise: [
      {
        id: alertId({ kind: "watchdog-failing", credential: selfWatchCredential, marker: since }),
        kind: "watchdog-failing",
        severity: "critical",
        credential: selfWatchCredential,
        title: `${selfWatchCredential}: ${next.failuresInRow} cycles in a row failed or read an incomplete inventory (since ${since})`,
        source: {},
        nextStep: `Last failure: ${next.lastFailure ?? "unknown"}. Nothing expiring is rotated or alerted while this lasts; \`watchdog doctor\` checks settings and permissions.${skipped}`,
        raisedAt: at,
      },
    ],
    health: { ...next, alertedFailingSince: since },
  };
}

/** What `watchdog health` and GET /api/health answer: the stored health of the last cycles and the next timer run. */
export interface HealthView {
  /** null before the first cycle. */
  lastCycle: CycleHealth | null;
  /** WATCHDOG_SCHEDULE. */
  schedule: string;
  /** The timer's next run after `now` (UTC), when the schedule parses. */
  nextTimerRun: string | null;
  /** "healthy", "failing" (failed cycles in a row), "never-ran". */
  status: "healthy" | "failing" | "never-ran";
}


/** One line: "last cycle succeeded at 2026-12-03T08:00:05Z · next run 09:00 UTC" or "3 cycles in a row FAILED since …". */
export function describeHealth(view: HealthView): string {
  const next = view.nextTimerRun ? ` · next timer run ${view.nextTimerRun}` : "";
  const last = view.lastCycle;
  if (!last) return `no cycle has run yet${next}`;
  if (last.failuresInRow === 0) return `last cycle succeeded (${last.lastFinishedAt})${next}`;
  const cycles = last.failuresInRow === 1 ? "the last cycle" : `${last.failuresInRow} cycles in a row`;
  const what = last.lastResult === "incomplete" && last.failuresInRow === 1 ? "read an incomplete inventory" : "FAILED or read an incomplete inventory";
  return `${cycles} ${what} since ${last.failingSince ?? last.lastStartedAt}: ${last.lastFailure ?? "unknown"}${next}`;
}
