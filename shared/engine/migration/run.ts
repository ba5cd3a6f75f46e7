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
import type { HeldLease } from "../journaled/lease.js";
import { JournaledRun, StepFailed, type JournalKind } from "../journaled/run.js";
import { migrationJournals } from "./journal-store.js";
import type { RunOptions } from "./options.js";
import type { MigrationApiSystem, MigrationResult, MigrationStepRecord } from "./outcome.js";

/** A migration step could not finish; its failure is already journaled (when it had recorded an intent). */
export class MigrationStepFailed extends StepFailed<MigrationStep> {}

const migrationKind: JournalKind<MigrationJournal, MigrationStep> = {
  activity: "migration",
  firstStep: "plan",
  journals: migrationJournals,
  recordIntent: recordMigrationIntent,
  recordFailure: recordMigrationFailure,
  auditIds: (journal) => ({ migrationId: journal.migrationId }),
};

/**
 * One run of one credential's migration: ports, journal handle, what the run learnt and did (the
 * journaling, lease and counting are in `JournaledRun`; `perform` takes a patch written with the intent).
 */
export class MigrationRun extends JournaledRun<MigrationJournal, MigrationStep, MigrationStepRecord["outcome"], MigrationApiSystem, MigrationResult> {
  /** The journal as the run found it: the status change it made is announced against this. */
  initial: MigrationJournal | null = null;
  readonly calls: Record<MigrationApiSystem, number> = { graph: 0, circleci: 0, keyvault: 0 };
  readonly context: MigrationRunContext;
  /** Said to the caller at the end (e.g. why a confirmation changed nothing). */
  notes: string[] = [];

  constructor(
    readonly ports: WatchdogPorts,
    readonly credential: OidcCredential,
    readonly options: RunOptions,
    lease: HeldLease,
    leaseTtlMs: number,
  ) {
    super(migrationKind, ports.state, credential.name, options, lease, leaseTtlMs);
    this.context = { snapshotComplete: options.snapshotComplete, restart: options.restart ?? false, federationChecked: false, checked: null };
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
      ...this.callCounts(),
      ...(journal?.blocked ? { blocked: { kind: journal.blocked.kind, reason: journal.blocked.reason } } : {}),
      ...extra,
      ...(note ? { note } : {}),
      alerts: alert ? [alert] : [],
    };
  }
}
