import { evaluatePasswordPolicy, refusedWayOut, type PasswordPolicyVerdict } from "../app-policy/index.js";
import type { PolicyCredential } from "../policy/index.js";
import type { EntraApp } from "../snapshot.js";
import type { PlanInputs } from "./plan-inputs.js";

/** What stands between a rotate credential and its next secret, as far as the tenant's app management policy goes. */
export interface TenantPolicyView {
  /** The policy (read before minting) or Graph (a refused addPassword) forbids the new secret. */
  blocked?: { reason: string; wayOut: string; retryAt?: string };
  /** The lifetime the policy caps validityDays to, in words. */
  capNote?: string;
}

/** The verdict of the policy read in this inventory, when it was read for the app. */
function verdictFor(credential: PolicyCredential, app: EntraApp, inputs: PlanInputs): PasswordPolicyVerdict | undefined {
  if (credential.action !== "rotate") return undefined;
  const read = inputs.snapshot.appPolicies.find((p) => p.appId.toLowerCase() === app.appId.toLowerCase());
  if (!read) return undefined;
  return evaluatePasswordPolicy(read.evidence, {
    credential: credential.name,
    appId: app.appId,
    validityDays: credential.rotation.validityDays,
    rotateBeforeDays: credential.rotation.rotateBeforeDays,
    now: inputs.now,
  });
}

/** The tenant policy's say on one rotate credential: blocked (policy or refusal) and any lifetime cap. Pure. */
export function tenantPolicyView(credential: PolicyCredential, app: EntraApp | undefined, inputs: PlanInputs): TenantPolicyView {
  if (credential.action !== "rotate" || !app) return {};
  const verdict = verdictFor(credential, app, inputs);
  if (verdict?.kind === "blocked") return { blocked: { reason: verdict.reason, wayOut: verdict.wayOut } };
  const view: TenantPolicyView = verdict?.note ? { capNote: verdict.note } : {};
  const refused = inputs.rotationBlocks.find((b) => b.credential === credential.name);
  if (refused) view.blocked = { reason: refused.reason, wayOut: refusedWayOut(credential.name), ...(refused.retryAt ? { retryAt: refused.retryAt } : {}) };
  return view;
}
