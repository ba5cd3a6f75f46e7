import cronParser from "cron-parser";
import type { HealthView } from "../../domain/self-watch/cycle-health.js";
import type { StateStore } from "../../ports/state-store.js";
import { loadCycleHealth } from "./health-store.js";

/** NCRONTAB (six fields, seconds first) is cron with seconds, which cron-parser reads; the Functions host runs it in UTC. */
export function nextRun(schedule: string, now: Date): string | null {
  try {
    return cronParser.parseExpression(schedule, { currentDate: now, tz: "UTC" }).next().toDate().toISOString();
  } catch {
    return null;
  }
}

export async function readHealth(store: StateStore, schedule: string, now: Date): Promise<HealthView> {
  const lastCycle = (await loadCycleHealth(store)) ?? null;
  const status = !lastCycle ? "never-ran" : lastCycle.failuresInRow > 0 ? "failing" : "healthy";
  return { lastCycle, schedule, nextTimerRun: nextRun(schedule, now), status };
}

export type { HealthView };
