import type { Plan } from "../../domain/finding.js";
import { applyPermissions } from "../../domain/plan/index.js";
import type { Policy } from "../../domain/policy/index.js";
import type { EntraApp } from "../../domain/snapshot.js";
import type { CallerIdentity } from "../../ports/directory.js";
import type { WatchdogPorts } from "../../ports/index.js";
import { identityUnreadable, permissionChecks, readAppOwnership, type DoctorOptions } from "./doctor.js";

/**
 * The planning phase's permission check: the doctor's own checks, for the credentials with a due step only
 * (reads only; nothing is minted or written), so that a step the watchdog has no right to take is blocked with
 * its fix before anything starts. Ownership is read for every rotated or federated app, for the plan and report.
 */
export async function withPermissions(ports: WatchdogPorts, policy: Policy, plan: Plan, options: DoctorOptions & { apps?: readonly EntraApp[] }): Promise<Plan> {
  if (!policy.credentials.some((c) => c.action === "rotate" || c.action === "oidc")) return plan;
  const due = new Set(plan.steps.filter((s) => !s.blocked).map((s) => s.credential));
  const duePolicy: Policy = { ...policy, credentials: policy.credentials.filter((c) => due.has(c.name)) };
  let identity: CallerIdentity | null = null;
  let unreadable: unknown;
  try {
    identity = await ports.directory.callerIdentity();
  } catch (error) {
    unreadable = error;
  }
  const ownership = await readAppOwnership(ports, identity, policy, options.apps);
  if (due.size === 0) return applyPermissions(plan, { ownership, checks: [] });
  const checks =
    identity === null
      ? [identityUnreadable(unreadable, [...due])]
      : await permissionChecks(ports, identity, duePolicy, options, ownership.filter((o) => o.credentials.some((c) => due.has(c))));
  return applyPermissions(plan, { ownership, checks });
}
