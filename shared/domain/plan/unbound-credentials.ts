import type { AlertSource } from "../alert.js";
import type { CredentialStatus, Finding, WatchedCredential } from "../finding.js";
import { rotationDisplayNamePrefix } from "../rotation/markers.js";
import type { AppCertificate, AppPassword, CiVariable, EntraApp } from "../snapshot.js";
import { ageDays, daysLeft, parseInstant } from "../time.js";
import { describeExpiry, describeKey, describeVariable, plural } from "./describe.js";
import { expirySeverity, expiryStatus } from "./expiry.js";
import { circleciKey, entraKey } from "./keys.js";
import { lastChanged } from "./locate.js";
import { unboundCertificateStep, unboundPasswordStep, unboundVariableStep } from "./next-steps.js";
import type { Contribution, PlanInputs } from "./plan-inputs.js";
import { looksLikeConfiguration } from "./configuration-names.js";

export interface Accounting {
  /** `entra:<appId>:<keyId>` of every live password some policy credential holds. */
  accountedKeys: ReadonlySet<string>;
  /** Lower-cased app ids that some policy credential binds. */
  boundAppIds: ReadonlySet<string>;
  /** Lower-cased app ids of `action: rotate` credentials. */
  rotatedAppIds: ReadonlySet<string>;
  /** `circleci:…` keys of every variable some policy credential binds. */
  boundVariables: ReadonlySet<string>;
}

function entraKeyCredential(app: EntraApp, key: AppPassword | AppCertificate, type: "password" | "certificate", retiring: boolean, inputs: PlanInputs): Contribution {
  const credential = entraKey(String(app.appId ?? ""), String(key.keyId ?? ""));
  const entra: NonNullable<AlertSource["entra"]> = { appId: app.appId, appName: app.displayName, keyId: key.keyId, credentialType: type };
  const source: AlertSource = { entra };
  const expires = parseInstant(key.endDateTime);
  const left = expires ? daysLeft(expires, inputs.now) : undefined;
  const status: CredentialStatus = left === undefined ? "ok" : expiryStatus(left, inputs.policy.alerts.thresholdsDays);
  const watched: WatchedCredential = { credential, bound: false, source, status };
  if (expires) watched.expiresAt = expires.toISOString();
  if (left !== undefined) watched.daysLeft = left;
  if (retiring) watched.retiring = true;

  const findings: Finding[] = [];
  if (!retiring && expires && left !== undefined && (status === "expired" || status === "expiring")) {
    findings.push({
      id: `${status}:${credential}`,
      kind: status,
      severity: expirySeverity(left, inputs.policy.alerts.thresholdsDays),
      credential,
      bound: false,
      source,
      expiresAt: expires.toISOString(),
      daysLeft: left,
      message: `The ${describeKey(entra)}, which no policy credential watches, ${describeExpiry(left, expires.toISOString())}`,
      nextStep: type === "certificate" ? unboundCertificateStep(entra) : unboundPasswordStep(entra),
    });
  }
  return { credentials: [watched], findings, steps: [] };
}

function variableCredential(variable: CiVariable, inputs: PlanInputs): Contribution {
  const scope = variable.scope;
  const circleci = scope.kind === "context" ? { context: scope.contextName, variable: variable.name } : { project: scope.projectSlug, variable: variable.name };
  const credential = circleciKey(scope, variable.name);
  const source: AlertSource = { circleci };
  const changed = parseInstant(lastChanged(variable));
  const age = changed ? ageDays(changed, inputs.now) : undefined;
  const longLived = age !== undefined && age > inputs.policy.inventory.maxAgeDays && !looksLikeConfiguration(variable.name);
  const watched: WatchedCredential = { credential, bound: false, source, status: longLived ? "long-lived" : "ok" };
  if (age !== undefined) watched.ageDays = age;
  if (changed) watched.lastChangedAt = changed.toISOString();
  const findings: Finding[] = [];
  if (longLived) {
    findings.push({
      id: `long-lived:${credential}`,
      kind: "long-lived",
      severity: "warning",
      credential,
      bound: false,
      source,
      ageDays: age,
      message: `${describeVariable(circleci)}, which no policy credential watches, last changed ${plural(age, "day")} ago (inventory.maxAgeDays: ${inputs.policy.inventory.maxAgeDays})`,
      nextStep: unboundVariableStep(circleci),
    });
  }
  return { credentials: [watched], findings, steps: [] };
}

/**
 * Everything the sources hold that no policy credential accounts for: Entra passwords and certificates,
 * and CircleCI variables. Non-live passwords of a bound app named "watchdog-rotation:…" are on their way
 * out through the rotation machinery: listed, but no finding.
 */
export function unboundCredentials(accounting: Accounting, inputs: PlanInputs): Contribution[] {
  const contributions: Contribution[] = [];
  for (const app of inputs.snapshot.apps) {
    const appId = String(app.appId ?? "");
    const appBound = accounting.boundAppIds.has(appId.toLowerCase());
    const isLive = (password: AppPassword) => accounting.accountedKeys.has(entraKey(appId, String(password.keyId ?? "")));
    // On an app the watchdog rotates, once the live password is one a rotation minted, the passwords older than it
    // were superseded and are removed when the overlap ends: their coming expiry is not news, so no finding.
    const live = app.passwords.find(isLive);
    const rotated = accounting.rotatedAppIds.has(appId.toLowerCase()) && (live?.displayName ?? "").startsWith(rotationDisplayNamePrefix);
    const liveStart = rotated ? parseInstant(live?.startDateTime) : undefined;
    for (const password of app.passwords) {
      if (isLive(password)) continue;
      const start = parseInstant(password.startDateTime);
      const superseded = liveStart !== undefined && start !== undefined && start.getTime() < liveStart.getTime();
      const retiring = appBound && ((password.displayName ?? "").startsWith(rotationDisplayNamePrefix) || superseded);
      contributions.push(entraKeyCredential(app, password, "password", retiring, inputs));
    }
    for (const certificate of app.certificates) contributions.push(entraKeyCredential(app, certificate, "certificate", false, inputs));
  }
  for (const variable of inputs.snapshot.variables) {
    if (!variable.scope || accounting.boundVariables.has(circleciKey(variable.scope, variable.name))) continue;
    contributions.push(variableCredential(variable, inputs));
  }
  return contributions;
}
