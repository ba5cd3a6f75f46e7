import { z } from "zod";
import { ConcurrencyError, type StateStore } from "../../ports/state-store.js";

/**
 * One run per credential at a time: a lease in the `leases` table (key = the credential name for a rotation,
 * `migration:<name>` for a migration), created with `ifNoneMatch: "*"` or taken over with `ifMatch` once
 * expired, so that a crashed holder blocks others only until its expiry. The journal's own ETag is the real
 * fence (a holder that lost its lease cannot write the journal any more); the lease spares others from doing
 * the same work and gives "already rotating" / "already migrating".
 */

const leaseSchema = z.object({
  holder: z.string(),
  actor: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
});
export type LeaseRecord = z.infer<typeof leaseSchema>;

export const defaultLeaseTtlMs = 15 * 60_000;

export interface HeldLease {
  credential: string;
  record: LeaseRecord;
  etag: string;
}

export type LeaseAttempt = { acquired: true; lease: HeldLease } | { acquired: false; heldBy: string; until: string };

function expired(record: LeaseRecord | null, now: Date): boolean {
  if (!record) return true;
  const until = Date.parse(record.expiresAt);
  return Number.isNaN(until) || until <= now.getTime();
}

export async function acquireLease(
  store: StateStore,
  credential: string,
  request: { holder: string; actor: string; now: Date; ttlMs: number },
): Promise<LeaseAttempt> {
  const record: LeaseRecord = {
    holder: request.holder,
    actor: request.actor,
    acquiredAt: request.now.toISOString(),
    expiresAt: new Date(request.now.getTime() + request.ttlMs).toISOString(),
  };
  const current = await store.get<unknown>("leases", credential);
  const parsed = current ? leaseSchema.safeParse(current.value) : null;
  const held = parsed?.success ? parsed.data : null;
  // An unreadable lease record counts as expired: it cannot name a live holder.
  if (current && held && !expired(held, request.now)) return { acquired: false, heldBy: held.actor, until: held.expiresAt };
  try {
    const etag = current
      ? await store.put("leases", credential, record, { ifMatch: current.etag })
      : await store.put("leases", credential, record, { ifNoneMatch: "*" });
    return { acquired: true, lease: { credential, record, etag } };
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    // Someone else created or took it over between our read and write.
    const winner = await store.get<unknown>("leases", credential);
    const won = winner ? leaseSchema.safeParse(winner.value) : null;
    return { acquired: false, heldBy: won?.success ? won.data.actor : "another run", until: won?.success ? won.data.expiresAt : record.expiresAt };
  }
}

/** Extends the lease once half of it has passed; a ConcurrencyError means another run has taken it over. */
export async function renewLease(store: StateStore, lease: HeldLease, now: Date, ttlMs: number): Promise<HeldLease> {
  const acquired = Date.parse(lease.record.acquiredAt);
  if (now.getTime() < acquired + ttlMs / 2) return lease;
  const record: LeaseRecord = { ...lease.record, acquiredAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  const etag = await store.put("leases", lease.credential, record, { ifMatch: lease.etag });
  return { ...lease, record, etag };
}

/** Gives the lease back if it is still ours (a takeover after expiry leaves the new holder's lease alone). */
export async function releaseLease(store: StateStore, lease: HeldLease): Promise<void> {
  try {
    await store.delete("leases", lease.credential, { ifMatch: lease.etag });
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
  }
}
