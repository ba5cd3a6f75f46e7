/** The rotation state machine: journal, decisions and reconciliation (pure; the engine does the I/O). */
export {
  historyLimit,
  isTerminal,
  parseJournal,
  rotationJournalSchema,
  rotationStates,
  rotationSteps,
  stepOutcomes,
  stateIndex,
  type CiTarget,
  type RotationHistoryEntry,
  type RotationJournal,
  type RotationState,
  type RotationStep,
  type RotationTrigger,
  type StepOutcome,
} from "./journal.js";
export {
  isMintedBy,
  managedByWatchdog,
  parseRotationDisplayName,
  rotationDisplayName,
  rotationDisplayNamePrefix,
  rotationIdPattern,
  rotationVaultTags,
  sameKeyId,
  writtenForCredential,
  type RotationVaultTags,
} from "./markers.js";
export { blockedRetryAt, blockedRetryHours, nextAction, retireDueAt, type DecisionContext, type RotationAction } from "./next-action.js";
export { absencesToConfirm, reconcile, type ObservedVersion, type ObservedWorld, type Reconciliation } from "./reconcile.js";
export { checkBeforeRetire, chooseRetirement, ownEnabledVersions, versionsToDisable, type RetireCheck } from "./retirement.js";
export { previewRotation, type RotationPreview } from "./preview.js";
export {
  addHistory,
  recordBlocked,
  recordFailure,
  recordIntent,
  recordMinted,
  recordPushed,
  recordRepushed,
  recordRetired,
  recordStored,
  recordVerified,
  startJournal,
  type StartInput,
} from "./transitions.js";
export { inventoryFreshForMs, inventoryStillComplete, type InventoryEvidence } from "./inventory-evidence.js";
export { contextDrift, driftWaysOut, projectDrift, type DriftVerdict } from "./drift.js";
