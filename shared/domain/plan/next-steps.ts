import type { AlertSource } from "../alert.js";
import type { PolicyCredential } from "../policy/index.js";
import { describeApp, describeKey, describeVariable } from "./describe.js";
import { policySnippet, suggestName } from "./policy-snippet.js";

/** What a human (or the watchdog) should do about a finding: a command, concrete advice, or a policy snippet. */

export function rotateCommand(name: string): string {
  return `watchdog rotate ${name}`;
}

type Circleci = NonNullable<AlertSource["circleci"]>;
type Entra = NonNullable<AlertSource["entra"]>;

/** A bound credential's secret is expiring or expired. */
export function renewStep(credential: PolicyCredential, circleci: Circleci, entra: Entra): string {
  if (credential.action === "rotate") return rotateCommand(credential.name);
  const renewal =
    `a new client secret on ${describeApp(entra)}, set it as ${describeVariable(circleci)}, ` +
    `re-run a pipeline that uses it, then delete the old ${describeKey(entra)}`;
  if (credential.action === "oidc") {
    return `Let \`watchdog run\` finish the OIDC migration of ${credential.name}, which retires this secret; if it must outlive its expiry until then, create ${renewal}.`;
  }
  return `Create ${renewal} — or set \`action: rotate\` on credential ${credential.name} in the policy and run \`watchdog rotate ${credential.name}\`.`;
}

/** A bound credential's CircleCI variable has not changed for longer than inventory.maxAgeDays. */
export function refreshStep(credential: PolicyCredential, circleci: Circleci): string {
  if (credential.action === "rotate") return rotateCommand(credential.name);
  if (credential.action === "oidc") return `Let \`watchdog run\` finish the OIDC migration of ${credential.name}: it removes ${describeVariable(circleci)} once pipelines sign in with OIDC.`;
  if (credential.entra) {
    return `Replace ${describeVariable(circleci)} with a new client secret of Entra app ${credential.entra.appId} (then delete the old secret) — or set \`action: rotate\` on credential ${credential.name} to have it rotated on schedule.`;
  }
  return `Issue a new value at the service this secret belongs to, set it as ${describeVariable(circleci)}, then revoke the old value.`;
}

export interface MissingParts {
  context?: boolean;
  variable?: boolean;
  app?: boolean;
  password?: boolean;
}

/** A bound credential points at something that does not exist: one instruction per missing part. */
export function notFoundStep(credential: PolicyCredential, circleci: Circleci, missing: MissingParts): string {
  const advice: string[] = [];
  if (missing.context) advice.push(`Create CircleCI context ${circleci.context ?? ""} or fix circleci.context of credential ${credential.name} in the policy.`);
  if (missing.app) advice.push(`Check entra.appId of credential ${credential.name} in the policy: no app registration in the tenant has that client id.`);
  if (advice.length > 0) return advice.join(" ");
  // Rotation mints a secret when the app has none and writes the variable when it is missing.
  if (credential.action === "rotate") return rotateCommand(credential.name);
  if (missing.password) advice.push(`Create a client secret on Entra app ${credential.entra?.appId ?? ""} and set it as ${describeVariable(circleci)}.`);
  else advice.push(`Set ${describeVariable(circleci)}, or fix circleci.variable of credential ${credential.name} in the policy.`);
  return advice.join(" ");
}

/** An Entra client secret no policy credential accounts for. */
export function unboundPasswordStep(entra: Entra): string {
  return policySnippet(
    { name: suggestName(entra.appName ?? entra.appId), circleci: { context: "<context>", variable: "<VARIABLE>" }, entra: { appId: entra.appId } },
    `Unwatched ${describeKey(entra)}. Add it to the policy with the CircleCI variable that holds it (or delete it if nothing uses it):`,
  );
}

/** An Entra certificate: the policy binds client secrets only, so the advice is manual. */
export function unboundCertificateStep(entra: Entra): string {
  return `Upload a new certificate to ${describeApp(entra)}, switch whatever signs in with it, then remove the old one (key id ${entra.keyId ?? "?"}); or delete it now if nothing uses it.`;
}

/** A CircleCI variable no policy credential binds. */
export function unboundVariableStep(circleci: Circleci): string {
  const binding: Record<string, string> =
    circleci.context !== undefined ? { context: circleci.context, variable: circleci.variable } : { project: circleci.project ?? "", variable: circleci.variable };
  return policySnippet(
    { name: suggestName(circleci.context ?? circleci.project?.split("/").at(-1) ?? "", circleci.variable), circleci: binding },
    `Unwatched ${describeVariable(circleci)}. Add it to the policy (with entra: { appId: … } if it holds an Entra client secret):`,
  );
}
