import { recordFailure, recordIntent, type RotationJournal, type RotationStep, type StepOutcome } from "../../domain/rotation/index.js";
import type { RotateCredential } from "../../domain/policy/index.js";
import type { SecretValue } from "../../domain/secret-value.js";
import { JournaledRun, StepFailed as JournaledStepFailed, type JournalKind } from "../journaled/run.js";
import type { HeldLease } from "../journaled/lease.js";
import { rotationJournals } from "./journal-store.js";
import type { RotateOptions, RotationPorts } from "./options.js";
import type { ApiSystem, RotationResult } from "./outcome.js";

/** A rotation step could not finish; its failure is already journaled (when it had started one). */
export class StepFailed extends JournaledStepFailed<RotationStep> {}

const rotationKind: JournalKind<RotationJournal, RotationStep> = {
  activity: "rotation",
  firstStep: "start",
  journals: rotationJournals,
  recordIntent,
  recordFailure,
  auditIds: (journal) => ({ rotationId: journal.rotationId }),
};

/**
 * One run of one credential's rotation: the ports, the journal handle and what the run has done (the
 * journaling, lease and counting are in `JournaledRun`), plus the new value while this run holds it.
 */
export class RotationRun extends JournaledRun<RotationJournal, RotationStep, StepOutcome, ApiSystem, RotationResult> {
  /** The new value, from addPassword (this run) or read back from Key Vault; never written anywhere but Key Vault and CircleCI. */
  value: SecretValue | undefined;
  readonly calls: Record<ApiSystem, number> = { graph: 0, keyvault: 0, circleci: 0, entra: 0 };

  constructor(
    readonly ports: RotationPorts,
    readonly credential: RotateCredential,
    readonly options: RotateOptions,
    lease: HeldLease,
    leaseTtlMs: number,
  ) {
    super(rotationKind, ports.state, credential.name, options, lease, leaseTtlMs);
  }

  protected override heldValues(): Array<SecretValue | undefined> {
    return [this.value];
  }

  result(extra: Partial<RotationResult> = {}): RotationResult {
    const journal = this.handle.journal;
    return {
      credential: this.name,
      ...(journal ? { rotationId: journal.rotationId } : {}),
      state: journal?.state ?? "none",
      steps: this.steps,
      ...this.callCounts(),
      ...extra,
    };
  }
}
