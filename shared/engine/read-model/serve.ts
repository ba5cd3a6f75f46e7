/**
 * Serving readers from the read model. A read costs one pointer lookup in the state store (the decoded parts
 * stay in memory while the pointer does not move) and no request to CircleCI, Graph or Key Vault.
 *
 * A refresh (asked for, or nothing stored yet) reads the world again, but at most one at a time across
 * instances (a lease in the state store): requests in one instance share the running refresh; those of other
 * instances wait for its read to be stored. A refresh asked within `minIntervalMs` of the stored read's
 * takenAt answers from it, so that people reloading a page cannot spend the API rate limits the cycle needs.
 */
import type { StateStore } from "../../ports/state-store.js";
import { acquireLease, releaseLease } from "../journaled/lease.js";
import type { ReadInfo, ReadOrigin, ReadPart, ReadParts } from "./format.js";
import { infoOf, loadRead, readPointer, ReadMemo, saveRead, type LoadedRead } from "./read-store.js";

/** The lease key (credential names are [a-z0-9-], so no rotation or migration lease can take it). */
export const REFRESH_LEASE = "read-model:refresh";

export interface ReadModelDependencies {
  store: StateStore;
  /** Reads the world: inventory, plan, rotation progress. */
  readWorld: () => Promise<{ origin: ReadOrigin; parts: ReadParts }>;
  /** What this instance keeps for this store: the decoded current read and the refresh running here. */
  instance: InstanceReads;
  now: () => Date;
  /** A refresh within this long of the stored read's takenAt answers from it. */
  minIntervalMs: number;
  /** Written on the lease: which instance and who asked. */
  holder: string;
  actor: string;
  /** Knobs (defaults suit production; tests make them milliseconds). */
  leaseTtlMs?: number;
  pollMs?: number;
  /** How long a refresh waits for another instance's before it answers from the stored read (or fails when there is none). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What happened to a refresh: it `ran` here, was `shared` (joined one already running, in this instance or
 * another), was `too-soon` (within the minimum interval of the stored read), or found another instance's
 * refresh still `busy` after waiting.
 */
export type RefreshNote = "ran" | "shared" | "too-soon" | "busy";

export interface ServedRead<P extends ReadPart> extends LoadedRead<P> {
  refresh?: RefreshNote;
}

export class ReadUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReadUnavailableError";
  }
}

const defaults = { leaseTtlMs: 5 * 60_000, pollMs: 500, maxWaitMs: 120_000 };

type Refreshed = { note: "ran"; info: ReadInfo; id: string; parts: ReadParts } | { note: Exclude<RefreshNote, "ran"> };

/** One instance's side of the read model for one store (the app keeps one per store for the process's life). */
export class InstanceReads {
  readonly memo = new ReadMemo();
  running: Promise<Refreshed> | undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One refresh across instances: wait for another's, or take the lease and read the world. */
async function coordinate(deps: ReadModelDependencies): Promise<Refreshed> {
  const { store, now } = deps;
  const pollMs = deps.pollMs ?? defaults.pollMs;
  const maxWaitMs = deps.maxWaitMs ?? defaults.maxWaitMs;
  const sleep = deps.sleep ?? delay;
  // Counted in polls, not read from the clock: `now` is the lease's and the interval's clock, which a test may hold still.
  let waitedMs = 0;
  let seen: string | undefined | null = null;
  for (;;) {
    const current = await readPointer(store);
    const pointer = current.kind === "found" ? current.pointer : undefined;
    if (pointer && now().getTime() - Date.parse(pointer.takenAt) < deps.minIntervalMs) return { note: seen === null ? "too-soon" : "shared" };
    if (seen === null) seen = pointer?.id;
    else if (pointer && pointer.id !== seen) return { note: "shared" };

    const attempt = await acquireLease(store, REFRESH_LEASE, { holder: deps.holder, actor: deps.actor, now: now(), ttlMs: deps.leaseTtlMs ?? defaults.leaseTtlMs });
    if (attempt.acquired) {
      try {
        // Another instance may have stored its read and let the lease go between our look and our lease.
        const again = await readPointer(store);
        if (again.kind === "found" && again.pointer.id !== seen) return { note: "shared" };
        const read = await deps.readWorld();
        const saved = await saveRead(store, read, now(), deps.instance.memo);
        if (!saved.stored) return { note: "shared" };
        return { note: "ran", info: infoOf(saved.pointer), id: saved.pointer.id, parts: read.parts };
      } finally {
        await releaseLease(store, attempt.lease);
      }
    }
    if (waitedMs >= maxWaitMs) return { note: "busy" };
    await sleep(pollMs);
    waitedMs += pollMs;
  }
}

function refreshOnce(deps: ReadModelDependencies): Promise<{ refreshed: Refreshed; joined: boolean }> {
  const { instance } = deps;
  if (instance.running) return instance.running.then((refreshed) => ({ refreshed, joined: true }));
  const started = coordinate(deps).finally(() => {
    instance.running = undefined;
  });
  instance.running = started;
  return started.then((refreshed) => ({ refreshed, joined: false }));
}

/**
 * The stored read with `parts` (refreshed first when asked, or when nothing readable is stored). Throws
 * ReadUnavailableError when there is no read to serve: nothing stored and another instance's refresh has not
 * finished within the wait.
 */
export async function serveRead<P extends ReadPart>(deps: ReadModelDependencies, parts: readonly P[], ask: { refresh: boolean }): Promise<ServedRead<P>> {
  if (!ask.refresh) {
    const stored = await loadRead(deps.store, parts, deps.instance.memo);
    if (stored.kind === "found") return stored.read;
    // Nothing stored yet (a fresh deployment), or nothing this watchdog can read: the first request refreshes.
  }
  const { refreshed, joined } = await refreshOnce(deps);
  if (refreshed.note === "ran") {
    const { info, id } = refreshed;
    return { info, id, parts: refreshed.parts, refresh: joined ? "shared" : "ran" };
  }
  const stored = await loadRead(deps.store, parts, deps.instance.memo);
  if (stored.kind === "found") return { ...stored.read, refresh: refreshed.note };
  if (stored.kind === "unreadable") throw new ReadUnavailableError(`no read to serve: ${stored.problem}`);
  throw new ReadUnavailableError("no read to serve yet: another instance is reading the world; try again shortly");
}
