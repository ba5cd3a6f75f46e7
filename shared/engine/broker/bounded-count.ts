import { z } from "zod";
import { ConcurrencyError, type StateStore } from "../../ports/state-store.js";

interface CountRecord {
  count: number;
  /** When the record is of no more use (the token expired, the window passed): a sweep may delete it. */
  expiresAt: string;
}

const countRecordSchema = z.object({ count: z.number(), expiresAt: z.iso.datetime({ offset: true }) });

/**
 * How long past its `expiresAt` a counter is kept. A CircleCI token is still accepted for the verifier's clock
 * tolerance (60 s) after its `exp`, and instances' clocks differ: deleting its exchange counter within that
 * time would let a replayed token be exchanged `exchangesPerToken` times more.
 */
export const counterSweepGraceMs = 10 * 60_000;

export interface CounterSweep {
  deleted: number;
  /** Still of use, or moved by an exchange while the sweep ran. */
  kept: number;
  /** Records that do not read as a counter: kept, since deleting a count can only allow more. */
  unreadable: number;
}

const maxAttempts = 20;

/**
 * Adds one to a counter shared by every instance (state table `broker`, optimistic concurrency on the ETag) and
 * answers the count after it: Flex Consumption runs many instances, so a count in memory would multiply the limit.
 */
export async function countUp(store: StateStore, key: string, expiresAt: Date): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await store.get<CountRecord>("broker", key);
    const count = (current && typeof current.value.count === "number" ? current.value.count : 0) + 1;
    try {
      await store.put<CountRecord>("broker", key, { count, expiresAt: expiresAt.toISOString() }, current ? { ifMatch: current.etag } : { ifNoneMatch: "*" });
      return count;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  // Fail closed: a counter that cannot be moved allows nothing.
  return Number.POSITIVE_INFINITY;
}

/**
 * Deletes the shared counters no exchange can use any more: each is written for one token, one minute's rate
 * window or one refusal window, so without a sweep the `broker` table grows by a row a minute and a row a token,
 * for ever. A delete is conditional on the ETag read, so a counter moved meanwhile is kept.
 */
export async function sweepCounters(store: StateStore, now: Date): Promise<CounterSweep> {
  const sweep: CounterSweep = { deleted: 0, kept: 0, unreadable: 0 };
  for (const record of await store.list<unknown>("broker")) {
    const parsed = countRecordSchema.safeParse(record.value);
    if (!parsed.success) {
      sweep.unreadable += 1;
      continue;
    }
    if (now.getTime() <= Date.parse(parsed.data.expiresAt) + counterSweepGraceMs) {
      sweep.kept += 1;
      continue;
    }
    try {
      await store.delete("broker", record.key, { ifMatch: record.etag });
      sweep.deleted += 1;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      sweep.kept += 1;
    }
  }
  return sweep;
}
