import { z } from "zod";
import type { CycleHealth } from "./cycle-health.js";

const timestamp = z.iso.datetime({ offset: true });

/** The stored cycle health (state `health/cycle`), also part of `watchdog run --json` and GET /api/health. */
export const cycleHealthSchema = z.strictObject({
  lastStartedAt: timestamp,
  lastFinishedAt: timestamp,
  lastResult: z.enum(["succeeded", "failed", "incomplete"]),
  failuresInRow: z.number().int().min(0),
  failingSince: timestamp.optional(),
  lastFailure: z.string().optional(),
  lastSucceededAt: timestamp.optional(),
  inventoryComplete: z.boolean(),
  alertedFailingSince: timestamp.optional(),
});

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesHealth: Same<z.output<typeof cycleHealthSchema>, CycleHealth> = true;
void schemaMatchesHealth;
