import type { Alert } from "../../domain/alert.js";
import type { MigrationBlock, MigrationState, MigrationStatus, MigrationStep } from "../../domain/migration/index.js";

export type MigrationApiSystem = "graph" | "circleci" | "keyvault";

export interface MigrationStepRecord {
  step: MigrationStep;
  outcome: "intent" | "done" | "failed" | "blocked" | "skipped";
  at: string;
  /** Names, ids or a failure message; never a value. */
  detail?: string;
}

/** Where a run stopped: a migration step, or the lease/journal around it. */
export type FailedMigrationStep = MigrationStep | "lease" | "journal";

export interface MigrationResult {
  credential: string;
  busy?: false;
  migrationId?: string;
  /** The journal's state when the run ended ("none": nothing was ever planned). */
  state: MigrationState | "none";
  /** What the plan, `GET /api/plan` and the CLI show. */
  status: MigrationStatus;
  steps: MigrationStepRecord[];
  /** External calls this run made (Graph, CircleCI, Key Vault; a rollback's rotation not included). */
  apiCalls: number;
  apiCallsBySystem: Record<MigrationApiSystem, number>;
  /** Nothing more happens before this time (the quiet period). */
  waitingUntil?: string;
  /** Why nothing (more) happened, when that is not a failure. */
  note?: string;
  /** A person must act; the reason says how. */
  blocked?: { kind: MigrationBlock; reason: string };
  /** The run could not finish; the journal is kept and the next run resumes. */
  failure?: { step: FailedMigrationStep; message: string };
  /** Alerts for the status change this run made (record them in the outbox; their ids are stable). */
  alerts: Alert[];
}

/** Another run holds this credential's migration lease. */
export interface MigrationBusy {
  credential: string;
  busy: true;
  heldBy: string;
  until: string;
  message: string;
}

export type MigrationOutcome = MigrationResult | MigrationBusy;

export const isMigrationBusy = (outcome: MigrationOutcome): outcome is MigrationBusy => outcome.busy === true;

/** Did this run change what CircleCI or Entra hold (so an inventory taken before it is out of date)? */
export function migrationChangedTheWorld(outcome: MigrationOutcome): boolean {
  return !isMigrationBusy(outcome) && outcome.steps.some((s) => s.outcome === "done" && ["federate", "configure", "retire", "rollback"].includes(s.step));
}
