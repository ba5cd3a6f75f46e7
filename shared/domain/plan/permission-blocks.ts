import type { DoctorCheck } from "../doctor/checks.js";
import type { AppOwnership, Finding, MissingPermission, Plan, PlanStep } from "../finding.js";
import { compareFindings } from "./ordering.js";

/** What the planning phase learnt about the watchdog's own permissions (the doctor's checks). */
export interface PermissionEvidence {
  /** Every app a rotate or oidc credential binds. */
  ownership: AppOwnership[];
  /** The doctor's checks for the credentials with a due step. */
  checks: DoctorCheck[];
}

function gaps(checks: DoctorCheck[], credential: string): MissingPermission[] {
  return checks
    .filter((c) => (c.status === "missing" || c.status === "unknown") && c.credentials?.includes(credential))
    .map((c) => ({ need: c.need, status: c.status as MissingPermission["status"], fix: c.fix, ...(c.detail ? { detail: c.detail } : {}) }));
}

const verb = (step: PlanStep) => (step.kind === "rotate" ? "rotation" : "OIDC migration");

function describe(missing: MissingPermission[]): string {
  return missing.map((m) => (m.status === "missing" ? m.need : `${m.need} (unknown${m.detail ? `: ${m.detail}` : ""})`)).join("; ");
}

/**
 * A cycle reports a missing permission as a blocked finding before acting, never as a failure half-way: each
 * due step whose credential lacks (or cannot be shown to have) a permission its action needs is blocked — the
 * executors skip it — and gets one `permission-missing` finding naming each gap and its fix. Pure.
 */
export function applyPermissions(plan: Plan, evidence: PermissionEvidence): Plan {
  const findings: Finding[] = [];
  const steps = plan.steps.map((step): PlanStep => {
    if (step.blocked) return step;
    const missing = gaps(evidence.checks, step.credential);
    if (missing.length === 0) return step;
    const watched = plan.credentials.find((c) => c.credential === step.credential);
    const urgent = plan.findings.some((f) => f.credential === step.credential && f.severity === "critical");
    findings.push({
      id: `permission-missing:${step.credential}`,
      kind: "permission-missing",
      severity: urgent ? "critical" : "warning",
      credential: step.credential,
      bound: true,
      source: watched?.source ?? {},
      ...(watched?.expiresAt ? { expiresAt: watched.expiresAt } : {}),
      ...(watched?.daysLeft !== undefined ? { daysLeft: watched.daysLeft } : {}),
      permissions: missing,
      message: `${step.credential}: ${verb(step)} not started — the watchdog lacks ${describe(missing)}`,
      nextStep: missing.map((m) => m.fix).join("; "),
    });
    return { ...step, blocked: `missing permission: ${missing.map((m) => m.need).join("; ")} (see the permission-missing finding for the fix)` };
  });
  return {
    ...plan,
    steps,
    findings: [...plan.findings, ...findings].sort(compareFindings),
    ...(evidence.ownership.length > 0 ? { ownership: evidence.ownership } : {}),
    summary: { ...plan.summary, permissionMissing: findings.length },
  };
}
