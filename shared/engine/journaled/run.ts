import { randomUUID } from "node:crypto";
import type { SecretValue } from "../../domain/secret-value.js";
import { ConcurrencyError, type AuditEntry, type StateStore } from "../../ports/state-store.js";
import { failureMessage } from "./failure-message.js";
import { saveJournalTo, type JournalHandle, type JournalTable } from "./journal-store.js";
import { acquireLease, defaultLeaseTtlMs, releaseLease, renewLease, type HeldLease } from "./lease.js";

/**
 * The machinery both journaled engines (rotation, migration) run on: one run per credential under a lease,
 * every step with an effect journaled as an intent before its calls and as an outcome or failure after them,
 * every journal write guarded by the ETag read — so a run that lost the lease cannot overwrite progress.
 */

/** Where a run stopped: one of the engine's steps, or the lease/journal around it. */
export type StopPoint<S extends string> = S | "lease" | "journal";

/** A step could not finish; its failure is already journaled (when it had recorded an intent). */
export class StepFailed<S extends string = string> extends Error {
  constructor(
    readonly step: StopPoint<S>,
    message: string,
  ) {
    super(message);
    this.name = "StepFailed";
  }
}

/** Another run wrote the journal or took the lease over: this run must stop touching the world. */
export class LostTheRace extends Error {
  constructor(
    readonly credential: string,
    activity: string,
  ) {
    super(`another run took over the ${activity} of ${credential}`);
    this.name = "LostTheRace";
  }
}

/** What tells one engine's journal apart: its table and schema, its transitions and its words. */
export interface JournalKind<J, S extends string> {
  /** "rotation" or "migration", in messages: "the rotation lease", "another run took over the migration of x". */
  activity: string;
  /** The step that writes the first journal (named when a later step finds none). */
  firstStep: S;
  journals: JournalTable<J>;
  recordIntent: (journal: J, step: S, at: string) => J;
  recordFailure: (journal: J, step: S, at: string, message: string) => J;
  /** The id of the rotation or migration, for the audit entry of a failed step. */
  auditIds: (journal: J) => Record<string, string>;
}

/** The journal fields the shared machinery relies on. */
export interface JournalBase<S extends string> {
  credential: string;
  pending: { step: S } | null;
}

export interface StepRecord<S extends string, O extends string> {
  step: S;
  outcome: O;
  at: string;
  /** Ids, names or a failure message; never a value. */
  detail?: string;
}

/**
 * One run of one credential's journaled process: the journal handle, the lease and what the run has done.
 * Every external call goes through `call` (counted), every step with an effect through `perform` (intent
 * journaled before the calls, failure after a throw).
 */
export abstract class JournaledRun<J extends JournalBase<S>, S extends string, O extends string, Sys extends string, R> {
  handle: JournalHandle<J> = { journal: null, etag: null };
  /** In order; `perform` writes "intent" and "failed", the engine's steps their own outcomes. */
  readonly steps: StepRecord<S, O | "intent" | "failed">[] = [];
  abstract readonly calls: Record<Sys, number>;

  protected constructor(
    private readonly kind: JournalKind<J, S>,
    private readonly store: StateStore,
    readonly name: string,
    private readonly clock: { now: () => Date; actor: string },
    private lease: HeldLease,
    private readonly leaseTtlMs: number,
  ) {}

  /** The engine's answer for the run as it stands, with `extra` (a failure, a note) added. */
  abstract result(extra?: { failure?: { step: StopPoint<S>; message: string } }): R;

  get heldLease(): HeldLease {
    return this.lease;
  }

  /** The journal; steps after the first may rely on it. */
  get journal(): J {
    const journal = this.handle.journal;
    if (!journal) throw new Error(`${this.kind.activity} of ${this.name}: no journal (${this.kind.firstStep} has not run)`);
    return journal;
  }

  at(): string {
    return this.clock.now().toISOString();
  }

  async call<T>(system: Sys, run: () => Promise<T>): Promise<T> {
    this.calls[system] += 1;
    return run();
  }

  /** The counters as results report them. */
  protected callCounts(): { apiCalls: number; apiCallsBySystem: Record<Sys, number> } {
    return { apiCalls: Object.values<number>(this.calls).reduce((a, b) => a + b, 0), apiCallsBySystem: { ...this.calls } };
  }

  record(step: S, outcome: O | "intent" | "failed", detail?: string): void {
    this.steps.push({ step, outcome, at: this.at(), ...(detail ? { detail } : {}) });
  }

  async save(next: J): Promise<void> {
    try {
      this.handle = await saveJournalTo(this.store, this.kind.journals, this.handle, next);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostTheRace(this.name, this.kind.activity);
      throw error;
    }
  }

  async audit(event: string, details: AuditEntry["details"]): Promise<void> {
    await this.store.appendAudit({ at: this.at(), event, actor: this.clock.actor, subject: this.name, ...(details ? { details } : {}) });
  }

  /** Values this run holds, blanked from any error message it journals or answers. */
  protected heldValues(): Array<SecretValue | undefined> {
    return [];
  }

  describe(error: unknown): string {
    return failureMessage(error, this.heldValues());
  }

  private async keepLease(): Promise<void> {
    try {
      this.lease = await renewLease(this.store, this.lease, this.clock.now(), this.leaseTtlMs);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostTheRace(this.name, this.kind.activity);
      throw error;
    }
  }

  /** Work without side effects in the world (reads): a failure ends the run, nothing is journaled. */
  async read<T>(step: StopPoint<S>, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof LostTheRace || error instanceof StepFailed) throw error;
      throw new StepFailed(step, this.describe(error));
    }
  }

  /** The answer of a run that a throw ended: the step that failed (else the one left pending) and the error. */
  failedWith(error: unknown): R {
    // Only this run's steps and `perform` throw StepFailed into it, typed to the engine's steps by its subclass;
    // `instanceof` alone would type the step `any`.
    if (error instanceof StepFailed) return this.result({ failure: { step: (error as StepFailed<S>).step, message: error.message } });
    return this.result({ failure: { step: this.handle.journal?.pending?.step ?? "journal", message: this.describe(error) } });
  }

  /**
   * A step with an external effect: intent (and `patch`) written first, then `body` (the calls, the outcome
   * write and the audit). A throw is journaled as the step's failure; its intent stays pending so the next
   * run looks again (rotation: reconciles; migration: redoes the idempotent step).
   */
  async perform(step: S, body: () => Promise<void>, patch: Partial<J> = {}): Promise<void> {
    await this.keepLease();
    await this.save(this.kind.recordIntent({ ...this.journal, ...patch }, step, this.at()));
    this.record(step, "intent");
    try {
      await body();
    } catch (error) {
      if (error instanceof LostTheRace) throw error;
      const message = error instanceof StepFailed ? error.message : this.describe(error);
      this.record(step, "failed", message);
      // Best effort: if the store is what failed, the pending intent already tells the next run to look.
      await this.save(this.kind.recordFailure(this.journal, step, this.at(), message)).catch(() => undefined);
      await this.audit(`${this.kind.activity}.failed`, { ...this.kind.auditIds(this.journal), step, message }).catch(() => undefined);
      throw new StepFailed(step, message);
    }
  }
}

/** How an engine answers when no run could start or a run lost the race. */
export interface LeaseAnswers<R, B> {
  activity: string;
  /** "rotating" / "migrating": the 409 answer says "already rotating". */
  doing: string;
  failed: (credential: string, step: "lease", message: string) => R;
  busy: (credential: string, heldBy: string, until: string | undefined, message: string) => B;
}

/**
 * Runs `body` on a new run of `credential` under the lease `leaseKey`, answering "already <doing>" when
 * another run holds it or takes the run's journal over. Never throws for a failing step: the result names
 * the step and the error. The lease is given back at the end (a run that lost it leaves it to expire).
 */
export async function runUnderLease<Run extends { readonly heldLease: HeldLease; failedWith(error: unknown): R }, R, B>(
  store: StateStore,
  leaseKey: string,
  credential: string,
  options: { now: () => Date; actor: string; lease?: { ttlMs?: number; holderId?: string } },
  answers: LeaseAnswers<R, B>,
  open: (lease: HeldLease, ttlMs: number) => Run,
  body: (run: Run) => Promise<R>,
): Promise<R | B> {
  const ttlMs = options.lease?.ttlMs ?? defaultLeaseTtlMs;
  const holder = options.lease?.holderId ?? randomUUID();
  let attempt;
  try {
    attempt = await acquireLease(store, leaseKey, { holder, actor: options.actor, now: options.now(), ttlMs });
  } catch (error) {
    return answers.failed(credential, "lease", `cannot take the ${answers.activity} lease: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!attempt.acquired) {
    return answers.busy(credential, attempt.heldBy, attempt.until, `already ${answers.doing}: ${credential} is held by ${attempt.heldBy} until ${attempt.until}`);
  }

  const run = open(attempt.lease, ttlMs);
  try {
    return await body(run);
  } catch (error) {
    if (error instanceof LostTheRace) return answers.busy(credential, "another run", undefined, `already ${answers.doing}: ${error.message}`);
    return run.failedWith(error);
  } finally {
    await releaseLease(store, run.heldLease).catch(() => undefined);
  }
}
