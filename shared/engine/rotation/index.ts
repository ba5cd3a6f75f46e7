/**
 * Rotation of client secrets through Key Vault (issue 4): a journaled state machine that survives a crash
 * at every step. See README.md beside this file for the design and its decisions.
 */
export { answerFromJournal, rotateCredential } from "./rotate-credential.js";
export { repushCredential } from "./repush.js";
export { pendingRotations, rotationBlocks, type PendingRotation } from "./journal-store.js";
export { planRotation, type RotationPlan } from "./plan-rotation.js";
export { defaultLeaseTtlMs } from "../journaled/lease.js";
export { defaultPropagation, defaultTestRetry, type PropagationOptions, type RotateOptions, type TestRetryOptions } from "./options.js";
export { isBusy, type ApiSystem, type FailedStep, type RotationBusy, type RotationOutcome, type RotationResult, type RotationStepRecord } from "./outcome.js";
export { removePasswordConfirmed, type ConfirmedRemoval } from "./confirmed-removal.js";
