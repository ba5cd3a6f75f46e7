/** Migration of a credential from its client secret to CircleCI OIDC federation (pure; the engine does the I/O). */
export { brokerRoleSubject, circleciIssuer, federationSubjects, type FederationSubject } from "./subjects.js";
export { brokerFederation, brokerSettings, journalBroker, type BrokerFederation, type BrokerMigrationSettings, type BrokerFederationResult } from "./broker-federation.js";
export { ficCredentialPart, ficDescription, ficDescriptionPrefix, ficName, ficNamePrefix, isOwnedFic, maxFicNameLength } from "./fic-names.js";
export { planFederation, wantedFics, type FederationBlock, type FederationInput, type FederationPlan, type ObservedFic, type WantedFic } from "./federation-plan.js";
export { clientIdVariable, loginCommand, pipelineChange, tenantIdVariable, tokenCommand, type PipelineChangeInput } from "./pipeline-change.js";
export {
  migrationBlocks,
  migrationHistoryLimit,
  migrationJournalSchema,
  migrationStates,
  migrationSteps,
  parseMigrationJournal,
  retireBases,
  type MigrationBlock,
  type MigrationHistoryEntry,
  type MigrationJournal,
  type MigrationState,
  type MigrationStep,
  type RetireBasis,
} from "./journal.js";
export {
  addMigrationHistory,
  recordBlocked,
  recordConfigured,
  recordEvidence,
  recordFederated,
  recordMigrationFailure,
  recordMigrationIntent,
  recordRetired,
  recordRolledBack,
  recordSecretRestored,
  recordSwitched,
  startMigration,
  type StartMigrationInput,
} from "./transitions.js";
export { judgeEvidence, quietSinceLastSignIn, type EvidenceVerdict, type KeyEvidence } from "./evidence.js";
export { nextMigrationAction, type MigrationAction, type MigrationRunContext } from "./next-action.js";
export { describeMigration, migrationPipelineChange, type MigrationStatus, type MigrationStatusKind } from "./describe.js";
export { migrationAlert, migrationSource } from "./alerts.js";
export { planInjectedAudience, restorableAudience, type InjectedAudiencePlan, type ProjectAudienceRecord } from "./injected-audience.js";
export { compareBrokerToken, compareToken, readToken, type BrokerTokenInput, type TokenComparison, type TokenView } from "./token-check.js";
export { describeFirstSignIns, watchesFirstSignIns, type FederatedSignIns, type FirstOidcSignIns } from "./first-sign-ins.js";
