import type { RotationState, RotationStep, StepOutcome } from "../../domain/rotation/index.js";

/** Systems whose calls a rotation counts (state store reads and writes are not counted). */
export type ApiSystem = "graph" | "keyvault" | "circleci" | "entra";

export interface RotationStepRecord {
  step: RotationStep;
  outcome: StepOutcome;
  at: string;
  /** Ids or a failure message; never a value. */
  detail?: string;
}

/** Where a run stopped: a rotation step, or the lease/journal around it. */
export type FailedStep = RotationStep | "lease" | "journal";

export interface RotationResult {
  credential: string;
  busy?: false;
  rotationId?: string;
  /** The journal's state when the run ended ("none": no rotation was ever started). */
  state: RotationState | "none";
  /** What this run did, in order. */
  steps: RotationStepRecord[];
  /** External calls this run made (Graph, Key Vault, CircleCI, Entra token requests; retries inside adapters not included). */
  apiCalls: number;
  apiCallsBySystem: Record<ApiSystem, number>;
  /** The rotation is waiting for the overlap (or a complete inventory) until then. */
  waitingUntil?: string;
  /** Why nothing (more) happened, when that is not a failure. */
  note?: string;
  /**
   * The tenant's app management policy forbids the new secret (read before the mint, or Graph refused it with a
   * 400): nothing was minted. Not a failure: the plan reports it as a finding with the way out.
   */
  blocked?: { reason: string; wayOut: string; retryAt?: string };
  /** The run could not finish: the step and the error, without any value. The journal is kept; the next run resumes. */
  failure?: { step: FailedStep; message: string };
}

/** Another run holds this credential's lease: "already rotating" (HTTP 409). */
export interface RotationBusy {
  credential: string;
  busy: true;
  heldBy: string;
  /** When the holder's lease expires (absent when this run lost a race half-way). */
  until?: string;
  message: string;
}

export type RotationOutcome = RotationResult | RotationBusy;

export const isBusy = (outcome: RotationOutcome): outcome is RotationBusy => outcome.busy === true;
