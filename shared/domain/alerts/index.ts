export { decideAlerts, type AlertDecisions, type DecideAlertsInput } from "./decide.js";
export { alertId, fnv1a128Hex } from "./alert-id.js";
export type { LedgerChanges, LedgerEntry } from "./ledger.js";
export { currentThreshold, normalizeThresholds } from "./thresholds.js";
export { describeSink, redactUrlParts } from "./redact.js";
export { rotationFailedAlert } from "./rotation-failed.js";
export { rotationJobPoisonedAlert } from "./rotation-job-poisoned.js";
export {
  buildDigest,
  compareAlertUrgency,
  describeCount,
  digestId,
  mergeDigests,
  seeAllHint,
  seeAllLine,
  shownItems,
  type BaselineSummary,
  type Digest,
  type DigestContext,
  type DigestCount,
} from "./digest.js";
export { describeWaiverMatch, waiverEndingAlerts } from "./waiver-ending.js";
export { policySourceOf } from "./policy-source.js";
export { vaultChangedAlert } from "./vault-changed.js";
export { brokerRefusalsAlert } from "./broker-refusals.js";
