import { recordFailure, recordIntent, type RotationJournal, type RotationStep } from "../../domain/rotation/index.js";
import type { RotateCredential } from "../../domain/policy/index.js";
import type { SecretValue } from "../../domain/secret-value.js";
import { ConcurrencyError, type AuditEntry } from "../../ports/state-store.js";
import { failureMessage } from "./failure-message.js";
import { saveJournal, type JournalHandle } from "./journal-store.js";
import { renewLease, type HeldLease } from "./lease.js";
import type { RotateOptions, RotationPorts } from "./options.js";
import type { ApiSystem, FailedStep, RotationResult, RotationStepRecord } from "./outcome.js";

/** A step could not finish; its failure is already journaled (when it had started one). */
export class StepFailed extends Error {
  constructor(
    readonly step: FailedStep,
    message: string,
  ) {
    super(message);
    this.name = "StepFailed";
  }
}

/** Another run wrote the journal or took the lease over: this run must stop touching the world. */
export class LostTheRace extends Error {
  constructor(readonly credential: string) {
    super(`another run took over the rotation of ${credential}`);
    this.name = "LostTheRace";
  }
}

/**
 * One run of one credential's rotation: the ports, the journal handle and what the run has done. Every
 * external call goes through `call` (counted) and every step through `perform` (intent journaled before
 * the call, failure journaled after a throw).
 */
export class RotationRun {
  handle: JournalHandle = { journal: null, etag: null };
  /** The new value, from addPassword (this run) or read back from Key Vault; never written anywhere but Key Vault and CircleCI. */
  value: SecretValue | undefined;
  readonly steps: RotationStepRecord[] = [];
  readonly calls: Record<ApiSystem, number> = { graph: 0, keyvault: 0, circleci: 0, entra: 0 };

  constructor(
    readonly ports: RotationPorts,
    readonly credential: RotateCredential,
    readonly options: RotateOptions,
    private lease: HeldLease,
    private readonly leaseTtlMs: number,
  ) {}

  get heldLease(): HeldLease {
    return this.lease;
  }

  get name(): string {
    return this.credential.name;
  }

  /** The journal; steps after `start` may rely on it. */
  get journal(): RotationJournal {
    const journal = this.handle.journal;
    if (!journal) throw new Error(`rotation of ${this.name}: no journal (start has not run)`);
    return journal;
  }

  at(): string {
    return this.options.now().toISOString();
  }

  async call<T>(system: ApiSystem, run: () => Promise<T>): Promise<T> {
    this.calls[system] += 1;
    return run();
  }

  record(step: RotationStep, outcome: RotationStepRecord["outcome"], detail?: string): void {
    this.steps.push({ step, outcome, at: this.at(), ...(detail ? { detail } : {}) });
  }

  async save(next: RotationJournal): Promise<void> {
    try {
      this.handle = await saveJournal(this.ports.state, this.handle, next);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostTheRace(this.name);
      throw error;
    }
  }

  async audit(event: string, details: AuditEntry["details"]): Promise<void> {
    await this.ports.state.appendAudit({ at: this.at(), event, actor: this.options.actor, subject: this.name, ...(details ? { details } : {}) });
  }

  describe(error: unknown): string {
    return failureMessage(error, [this.value]);
  }

  private async keepLease(): Promise<void> {
    try {
      this.lease = await renewLease(this.ports.state, this.lease, this.options.now(), this.leaseTtlMs);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new LostTheRace(this.name);
      throw error;
    }
  }

  /** Work without side effects in the world (reads): a failure ends the run, nothing is journaled. */
  async read<T>(step: FailedStep, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof LostTheRace || error instanceof StepFailed) throw error;
      throw new StepFailed(step, this.describe(error));
    }
  }

  /**
   * A step with an external effect: intent written first, then `body` (the call, the outcome write and the
   * audit). A throw is journaled as the step's failure; its intent stays pending so the next run reconciles.
   */
  async perform(step: RotationStep, body: () => Promise<void>): Promise<void> {
    await this.keepLease();
    await this.save(recordIntent(this.journal, step, this.at()));
    this.record(step, "intent");
    try {
      await body();
    } catch (error) {
      if (error instanceof LostTheRace) throw error;
      const message = error instanceof StepFailed ? error.message : this.describe(error);
      this.record(step, "failed", message);
      // Best effort: if the store is what failed, the pending intent already tells the next run to look.
      await this.save(recordFailure(this.journal, step, this.at(), message)).catch(() => undefined);
      await this.audit("rotation.failed", { rotationId: this.journal.rotationId, step, message }).catch(() => undefined);
      throw new StepFailed(step, message);
    }
  }

  result(extra: Partial<RotationResult> = {}): RotationResult {
    const journal = this.handle.journal;
    const apiCalls = Object.values(this.calls).reduce((a, b) => a + b, 0);
    return {
      credential: this.name,
      ...(journal ? { rotationId: journal.rotationId } : {}),
      state: journal?.state ?? "none",
      steps: this.steps,
      apiCalls,
      apiCallsBySystem: { ...this.calls },
      ...extra,
    };
  }
}
