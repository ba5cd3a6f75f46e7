import { evaluatePasswordPolicy } from "../../domain/app-policy/index.js";
import { graphRoleGrant, tenantPolicyCheck, type DoctorCheck } from "../../domain/doctor/index.js";
import type { Policy, RotateCredential } from "../../domain/policy/index.js";
import type { CallerIdentity } from "../../ports/directory.js";
import type { WatchdogPorts } from "../../ports/index.js";

/**
 * Each rotate credential against the app management policy that governs its app (tenant default or the
 * app's own): whether a new secret can be added, and how long it may live. Reads only.
 */
export async function tenantPolicyChecks(ports: WatchdogPorts, identity: CallerIdentity, policy: Policy, now: Date): Promise<DoctorCheck[]> {
  const rotating = policy.credentials.filter((c): c is RotateCredential => c.action === "rotate");
  const checks: DoctorCheck[] = [];
  const readFix = identity.roles.includes("Policy.Read.All")
    ? "the policy could not be read (see detail): a refused mint is reported as blocked, never retried in a loop"
    : graphRoleGrant("Policy.Read.All", identity.principalId);
  for (const credential of rotating) {
    const appId = credential.entra.appId;
    let app;
    try {
      app = await ports.directory.getApplication(appId);
    } catch {
      app = null;
    }
    // A missing or unreadable app is the ownership line's to report.
    if (!app) continue;
    const evidence = await ports.directory.readAppPolicy(app.objectId);
    const verdict = evaluatePasswordPolicy(evidence, {
      credential: credential.name,
      appId,
      validityDays: credential.rotation.validityDays,
      rotateBeforeDays: credential.rotation.rotateBeforeDays,
      now,
    });
    checks.push(tenantPolicyCheck({ credential: credential.name, appId, validityDays: credential.rotation.validityDays, verdict, fixForUnreadable: readFix }));
  }
  return checks;
}
