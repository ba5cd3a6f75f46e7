import type { AlertSource } from "../alert.js";
import type { CredentialStatus, Finding, PlanStep, WatchedCredential } from "../finding.js";
import { keptSharedPasswordNote, otherCredentialsOfApp, type PolicyCredential } from "../policy/index.js";
import type { EntraApp } from "../snapshot.js";
import { ageDays, daysLeft, parseInstant } from "../time.js";
import { describeExpiry, describeKey, describeVariable, plural } from "./describe.js";
import { expirySeverity, expiryStatus, worstStatus } from "./expiry.js";
import { entraKey } from "./keys.js";
import { selectLivePassword, type LivePassword } from "./live-password.js";
import { contextExists, findApp, findVariable, findVaultSecret, lastChanged } from "./locate.js";
import { notFoundStep, refreshStep, renewStep, type MissingParts } from "./next-steps.js";
import type { Contribution, PlanInputs } from "./plan-inputs.js";
import { tenantPolicyView, type TenantPolicyView } from "./tenant-policy.js";

export interface BoundEvaluation extends Contribution {
  /** `entra:<appId>:<keyId>` of the live password, which this credential accounts for. */
  accountsFor?: string;
}

interface Observed {
  source: AlertSource & { circleci: NonNullable<AlertSource["circleci"]> };
  missing: MissingParts;
  /** Human lines for the not-found finding. */
  missingLines: string[];
  unchecked: string[];
  app?: EntraApp;
  live?: LivePassword;
  lastChangedAt?: Date;
}

/** Looks the credential up in the snapshot, minding which sources were read. */
function observe(credential: PolicyCredential, inputs: PlanInputs): Observed {
  const { snapshot, coverage } = inputs;
  const binding = credential.circleci;
  const circleci = "context" in binding ? { context: binding.context, variable: binding.variable } : { project: binding.project, variable: binding.variable };
  const observed: Observed = { source: { circleci }, missing: {}, missingLines: [], unchecked: [] };

  const variable = findVariable(snapshot, binding);
  if (variable) {
    observed.lastChangedAt = parseInstant(lastChanged(variable));
  } else if (!("context" in binding ? coverage.contextRead(binding.context) : coverage.projectRead(binding.project))) {
    observed.unchecked.push(`${"context" in binding ? `CircleCI context ${binding.context}` : `CircleCI project ${binding.project}`} could not be read`);
  } else if ("context" in binding && !contextExists(snapshot, binding.context)) {
    observed.missing.context = true;
    observed.missingLines.push(`CircleCI context ${binding.context} does not exist`);
  } else {
    observed.missing.variable = true;
    observed.missingLines.push(`${describeVariable(circleci)} does not exist`);
  }

  observeEntra(credential, inputs, observed);
  // Set last so a source reads circleci → entra → keyVault, the way a human traces it.
  if (credential.action === "rotate") observed.source.keyVault = { secretName: credential.keyVault.secretName };
  return observed;
}

function observeEntra(credential: PolicyCredential, inputs: PlanInputs, observed: Observed): void {
  const { snapshot, coverage } = inputs;
  if (!credential.entra) return;
  const entra: NonNullable<AlertSource["entra"]> = { appId: credential.entra.appId, credentialType: "password" };
  observed.source.entra = entra;
  if (!coverage.entraRead) {
    observed.unchecked.push(`Entra app ${entra.appId} could not be read`);
    return;
  }
  const app = findApp(snapshot, entra.appId);
  if (!app) {
    observed.missing.app = true;
    observed.missingLines.push(`no Entra app registration has client id ${entra.appId}`);
    return;
  }
  observed.app = app;
  entra.appName = app.displayName;
  observed.live = selectLivePassword(app, coverage.vaultRead ? findVaultSecret(snapshot, credential.keyVault.secretName) : undefined);
  if (!observed.live) {
    observed.missing.password = true;
    observed.missingLines.push(`Entra app "${app.displayName}" (${app.appId}) has no client secret`);
    return;
  }
  entra.keyId = observed.live.password.keyId;
  if (snapshot.vaultSecrets !== null && !coverage.vaultRead && app.passwords.length > 1) {
    observed.unchecked.push("Key Vault could not be read: the live client secret was taken to be the most recently started one");
  }
}

function rotateStep(credential: PolicyCredential, observed: Observed, left: number | undefined, inputs: PlanInputs, tenant: TenantPolicyView): PlanStep | undefined {
  if (credential.action !== "rotate" || !observed.app) return undefined;
  let reason: string;
  if (!observed.live) reason = `Entra app "${observed.app.displayName}" has no client secret`;
  else if (left === undefined || left >= credential.rotation.rotateBeforeDays) return undefined;
  else if (left <= 0) reason = `the live client secret expired (rotateBeforeDays: ${credential.rotation.rotateBeforeDays})`;
  else reason = `the live client secret has ${plural(left, "day")} left, fewer than rotateBeforeDays (${credential.rotation.rotateBeforeDays})`;
  const step: PlanStep = { kind: "rotate", credential: credential.name, reason };
  const others = otherCredentialsOfApp(inputs.policy.credentials, credential);
  if (others.length > 0 && observed.app.passwords.length === 1) step.note = keptSharedPasswordNote(observed.app.appId, others);
  if (tenant.capNote) step.note = step.note ? `${step.note}; ${tenant.capNote}` : tenant.capNote;
  if (!inputs.vaultConfigured) step.blocked = "KEY_VAULT_URL is not set: a new secret goes to Key Vault before anywhere else";
  // A refusal is tried again (one addPassword) once its retry time has come; a policy read as blocking never is.
  else if (tenant.blocked && !(tenant.blocked.retryAt && inputs.now.getTime() >= Date.parse(tenant.blocked.retryAt))) {
    step.blocked = `${tenant.blocked.reason}: ${tenant.blocked.wayOut}`;
  }
  return step;
}

function migrateStep(credential: PolicyCredential): PlanStep | undefined {
  if (credential.action !== "oidc") return undefined;
  const { projectIds, userIds, branches } = credential.oidc;
  const subjects = new Set(projectIds).size * new Set(userIds).size * (branches ? new Set(branches.refs).size : 1);
  return {
    kind: "migrate",
    credential: credential.name,
    reason: `action: oidc — federate ${plural(subjects, "CircleCI subject")} with Entra app ${credential.entra.appId}, then retire the client secret after ${plural(credential.oidc.retireAfterQuietDays, "quiet day")}`,
  };
}

/** One policy credential: its state in the world, its findings, and the steps it calls for. */
export function evaluateBoundCredential(credential: PolicyCredential, inputs: PlanInputs): BoundEvaluation {
  const { policy, now } = inputs;
  const observed = observe(credential, inputs);
  const { source } = observed;
  const expires = parseInstant(observed.live?.password.endDateTime);
  const left = expires ? daysLeft(expires, now) : undefined;
  const age = observed.lastChangedAt ? ageDays(observed.lastChangedAt, now) : undefined;

  const findings: Finding[] = [];
  const statuses: CredentialStatus[] = [];
  const finding = (kind: Finding["kind"] & CredentialStatus, severity: Finding["severity"], message: string, nextStep: string, extra: Partial<Finding> = {}) => {
    findings.push({ id: `${kind}:${credential.name}`, kind, severity, credential: credential.name, bound: true, source, ...extra, message, nextStep });
    statuses.push(kind);
  };

  if (observed.missingLines.length > 0) {
    finding("not-found", "critical", `${credential.name}: ${observed.missingLines.join("; ")}`, notFoundStep(credential, source.circleci, observed.missing));
  }
  if (expires && left !== undefined && source.entra) {
    const status = expiryStatus(left, policy.alerts.thresholdsDays);
    if (status !== "ok") {
      const message = `${credential.name}: the ${describeKey(source.entra)}, held in ${describeVariable(source.circleci)}, ${describeExpiry(left, expires.toISOString())}`;
      finding(status, expirySeverity(left, policy.alerts.thresholdsDays), message, renewStep(credential, source.circleci, source.entra), {
        expiresAt: expires.toISOString(),
        daysLeft: left,
      });
    }
  }
  if (age !== undefined && age > policy.inventory.maxAgeDays) {
    const message = `${credential.name}: ${describeVariable(source.circleci)} last changed ${plural(age, "day")} ago (inventory.maxAgeDays: ${policy.inventory.maxAgeDays})`;
    finding("long-lived", "warning", message, refreshStep(credential, source.circleci), { ageDays: age });
  }

  const tenant = tenantPolicyView(credential, observed.app, inputs);
  if (tenant.blocked) {
    // Critical once the secret is due: it will expire without a successor.
    const due = left === undefined || (credential.action === "rotate" && left < credential.rotation.rotateBeforeDays);
    findings.push({
      id: `blocked-by-tenant-policy:${credential.name}`,
      kind: "blocked-by-tenant-policy",
      severity: due ? "critical" : "warning",
      credential: credential.name,
      bound: true,
      source,
      ...(expires ? { expiresAt: expires.toISOString() } : {}),
      ...(left !== undefined ? { daysLeft: left } : {}),
      message: `${credential.name}: cannot be rotated: ${tenant.blocked.reason}`,
      nextStep: tenant.blocked.wayOut,
    });
  }

  const watched: WatchedCredential = { credential: credential.name, bound: true, action: credential.action, source, status: worstStatus(statuses) };
  if (expires) watched.expiresAt = expires.toISOString();
  if (left !== undefined) watched.daysLeft = left;
  if (age !== undefined) watched.ageDays = age;
  if (observed.lastChangedAt) watched.lastChangedAt = observed.lastChangedAt.toISOString();
  if (observed.unchecked.length > 0) watched.unchecked = observed.unchecked;

  const steps = [rotateStep(credential, observed, left, inputs, tenant), migrateStep(credential)].filter((step): step is PlanStep => step !== undefined);
  const evaluation: BoundEvaluation = { credentials: [watched], findings, steps };
  if (observed.app && observed.live) evaluation.accountsFor = entraKey(observed.app.appId, observed.live.password.keyId);
  return evaluation;
}
