import type { Plan } from "../../domain/finding.js";
import type { Snapshot } from "../../domain/snapshot.js";
import type { StateStore } from "../../ports/state-store.js";
import { pendingRotations } from "../rotation/index.js";
import { storableSnapshot, type CycleResult, type ReadOrigin, type ReadParts } from "./format.js";

/**
 * The parts of a read from what a cycle or a refresh has just read and decided, with the rotation progress
 * from the state store. The cycle adds its result.
 */
export async function assembleRead(state: StateStore, read: { snapshot: Snapshot; plan: Plan; result?: CycleResult }): Promise<ReadParts> {
  const rotations = (await pendingRotations(state)).filter((r) => r.state !== "unreadable");
  return { snapshot: storableSnapshot(read.snapshot), plan: read.plan, progress: { rotations }, ...(read.result ? { result: read.result } : {}) };
}

export type ReadToStore = { origin: ReadOrigin; parts: ReadParts };
