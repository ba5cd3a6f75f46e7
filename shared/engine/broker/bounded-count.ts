import { ConcurrencyError, type StateStore } from "../../ports/state-store.js";

interface CountRecord {
  count: number;
  /** When the record is of no more use (the token expired, the window passed): a sweep may delete it. */
  expiresAt: string;
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
