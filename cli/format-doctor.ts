import type { DoctorReport } from "#shared/domain/doctor/index.js";

const mark = { present: "ok     ", missing: "MISSING", unverified: "unverif", unknown: "UNKNOWN" } as const;

/** One line per check (status, what, for what), the fix under each one that is not present, and a verdict. */
export function formatDoctor(report: DoctorReport): string {
  const lines = ["watchdog doctor: what the policy needs, and whether the watchdog has it", ""];
  for (const check of report.checks) {
    lines.push(`  ${mark[check.status]}  ${check.need}  — for ${check.neededFor}${check.detail ? ` (${check.detail})` : ""}`);
    if (check.fix) lines.push(`           fix: ${check.fix}`);
  }
  const missing = report.checks.filter((c) => c.status === "missing").length;
  const unknown = report.checks.filter((c) => c.status === "unknown").length;
  const verdict = [missing > 0 ? `${missing} missing` : "", unknown > 0 ? `${unknown} unknown (could not be read: never taken as granted)` : ""].filter(Boolean).join(", ");
  lines.push("", report.ok ? "Everything the policy needs is there." : `${verdict}: grant them (see "fix") and run watchdog doctor again.`);
  return `${lines.join("\n")}\n`;
}
