import { cycleHealthSchema } from "../../domain/self-watch/cycle-health-schema.js";
import type { CycleHealth } from "../../domain/self-watch/cycle-health.js";
import type { StateStore } from "../../ports/state-store.js";

const key = "cycle";

/** The stored cycle health; undefined before the first cycle (or when the record cannot be read as health). */
export async function loadCycleHealth(store: StateStore): Promise<CycleHealth | undefined> {
  const record = await store.get<unknown>("health", key);
  if (!record) return undefined;
  const parsed = cycleHealthSchema.safeParse(record.value);
  return parsed.success ? parsed.data : undefined;
}

/** Last writer wins: one cycle at a time runs the timer (the Functions host guarantees a single timer instance). */
export async function saveCycleHealth(store: StateStore, health: CycleHealth): Promise<void> {
  await store.put("health", key, health);
}
