import {
  describeMigration,
  migrationAlert,
  recordMigrationFailure,
  recordMigrationIntent,
  type MigrationJournal,
  type MigrationRunContext,
  type MigrationStep,
} from "../../domain/migration/index.js";
import type { OidcCredential } from "../../domain/policy/index.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { ConcurrencyError, type AuditEntry } from "../../ports/state-store.js";
import { failureMessage } from "../rotation/failure-message.js";
import { renewLease, type HeldLease } from "../rotation/lease.js";
import { saveMigration, type MigrationHandle } from "./journal-store.js";
import type { RunOptions } from "./options.js";
import type { FailedMigrationStep, MigrationApiSystem, MigrationResult, MigrationStepRecord } from "./outcome.js";

/** A step could not finish; its failure is already journaled (when it had recorded an intent). */
export class MigrationStepFailed extends Error {
  constructor(
    readonly step: FailedMigrationStep,
    message: string,
  ) {
    super(message);
    this.name = "MigrationStepFailed";
  }
}

/** Another run wrote the journal or took the lease over: this run must stop touching the world. */
export class LostMigrationRace extends Error {
  constructor(readonly credential: string) {
    super(`another run took over the migration of ${credential}`);
    this.name = "LostMigrationRace";
  }
}

/**
 * One run of one credential's migration: ports, journal handle, what the run learnt and did. Every
 * external call goes through `call` (counted), every step with an effect through `perform` (intent
 * journaled before the calls, failure after a throw).
 */
export class MigrationRun {
  handle: MigrationHandle = { journal: null, etag: null };
  /** The journal as the run found it: the status change it made is announced against this. */
  initial: MigrationJournal | null = null;
  readonly steps: MigrationStepRecord[] = [];
  readonly calls: Record<MigrationApiSystem, number> = { graph: 0, circleci: 0, keyvault: 0 };
  readonly context: MigrationRunContext;
  /** Said to the caller at the end (e.g. why a confirmation changed nothing). */
  notes: string[] = [];

  constructor(
    readonly ports: WatchdogPorts,
    readonly credential: OidcCredential,
    readonly options: RunOptions,
    private lease: HeldLease,
    private readonly leaseTtlMs: number,
  ) {
    this.context = { snapshotComplete: options.snapshotComplete, restart: options.restart ?? false, federationChecked: false, checked: null };
  }

  get heldLease(): HeldLease {
    return this.lease;
  }

  get name(): string {
    return this.credential.name;
  }

  get journal(): MigrationJournal {
    const journal = this.handle.journal;
    if (!journal) throw new Error(`migration of ${this.name}: no journal (plan has not run)`);
    return journal;
  }

  at(): string {
    return this.options.now().toISOString();
  }

  async call<T>(system: MigrationApiSystem, run: () => Promise<T>): Promise<T> {
    this.calls[system] += 1;
    return run();
  }

  record(step: MigrationStep, outcome: MigrationStepRecord["outcome"], detail?: string): void {
    this.steps.push({ step, outcome, at: this.at(), ...(detail ? { detail } : {}) });
  }

  async save(next: MigrationJournal): Promise<void> {
    try {
      this.handle = await saveMigration(this.ports.state, this.handle, next);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostMigrationRace(this.name);
      throw error;
    }
  }

  async audit(event: string, details: AuditEntry["details"]): Promise<void> {
    await this.ports.state.appendAudit({ at: this.at(), event, actor: this.options.actor, subject: this.name, ...(details ? { details } : {}) });
  }

  describe(error: unknown): string {
    return failureMessage(error, []);
  }

  private async keepLease(): Promise<void> {
    try {
      this.lease = await renewLease(this.ports.state, this.lease, this.options.now(), this.leaseTtlMs);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostMigrationRace(this.name);
      throw error;
    }
  }

  /** Reads: a failure ends the run, nothing is journaled (nothing changed). */
  async read<T>(step: FailedMigrationStep, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof LostMigrationRace || error instanceof MigrationStepFailed) throw error;
      throw new MigrationStepFailed(step, this.describe(error));
    }
  }

  /**
   * A step with effects: intent (and `patch`) written first, then `body`. A throw is journaled as the
   * step's failure; the intent stays pending and the next run does the step again.
   */
  async perform(step: MigrationStep, body: () => Promise<void>, patch: Partial<MigrationJournal> = {}): Promise<void> {
    await this.keepLease();
    await this.save(recordMigrationIntent(this.journal, step, this.at(), patch));
    this.record(step, "intent");
    try {
      await body();
    } catch (error) {
      if (error instanceof LostMigrationRace) throw error;
      const message = error instanceof MigrationStepFailed ? error.message : this.describe(error);
      this.record(step, "failed", message);
      await this.save(recordMigrationFailure(this.journal, step, this.at(), message)).catch(() => undefined);
      await this.audit("migration.failed", { migrationId: this.journal.migrationId, step, message }).catch(() => undefined);
      throw new MigrationStepFailed(step, message);
    }
  }

  result(extra: Partial<MigrationResult> = {}): MigrationResult {
    const journal = this.handle.journal;
    const status = describeMigration(journal, this.name);
    const alert = journal ? migrationAlert(describeMigration(this.initial, this.name), status, journal, this.at()) : null;
    const note = [extra.note, ...this.notes].filter((n): n is string => Boolean(n)).join("; ");
    return {
      credential: this.name,
      ...(journal ? { migrationId: journal.migrationId } : {}),
      state: journal?.state ?? "none",
      status,
      steps: this.steps,
      apiCalls: Object.values(this.calls).reduce((a, b) => a + b, 0),
      apiCallsBySystem: { ...this.calls },
      ...(journal?.blocked ? { blocked: { kind: journal.blocked.kind, reason: journal.blocked.reason } } : {}),
      ...extra,
      ...(note ? { note } : {}),
      alerts: alert ? [alert] : [],
    };
  }
}
