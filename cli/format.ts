import type { TokenCheckResult } from "#shared/engine/migration/index.js";
import type { AlertSource } from "#shared/domain/alert.js";
import type { Finding, Plan, WaiverStatus } from "#shared/domain/finding.js";
import { describeWaiverMatch } from "#shared/domain/alerts/index.js";
import type { WaiverCheck } from "#shared/app/watchdog.js";
import type { Policy } from "#shared/domain/policy/index.js";
import { describeProjectCoverage } from "#shared/domain/plan/index.js";
import type { Snapshot } from "#shared/domain/snapshot.js";
import type { CycleReport } from "#shared/engine/cycle.js";
import type { InventoryProgress } from "#shared/engine/inventory.js";
import { isBusy, type RotationOutcome } from "#shared/engine/rotation/index.js";
import type { ManualMigration, ManualRotation } from "#shared/app/watchdog.js";
import { isMigrationBusy } from "#shared/engine/migration/index.js";
import type { MigrationStatus } from "#shared/domain/migration/index.js";
import type { ReadPart, ServedRead } from "#shared/engine/read-model/index.js";

/** Human renderings for the terminal. Names only: nothing here ever holds a secret value. */

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  return rows.map((r) => "  " + r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function describeSource(source: AlertSource): string {
  const parts: string[] = [];
  if (source.circleci) {
    const scope = source.circleci.context ? `context ${source.circleci.context}` : `project ${source.circleci.project}`;
    parts.push(`${scope} / ${source.circleci.variable}`);
  }
  if (source.entra) {
    const kind = source.entra.credentialType === "certificate" ? "certificate" : "secret";
    const key = source.entra.keyId ? ` ${kind} ${source.entra.keyId.slice(0, 8)}` : "";
    parts.push(`app ${source.entra.appName ?? source.entra.appId}${key}`);
  }
  if (source.keyVault) parts.push(`vault ${source.keyVault.secretName}`);
  return parts.join(" · ");
}

function when(finding: Finding): string {
  if (finding.daysLeft !== undefined) {
    return finding.daysLeft <= 0 ? `expired ${-finding.daysLeft}d ago` : `${finding.daysLeft}d left`;
  }
  if (finding.ageDays !== undefined) return `${finding.ageDays}d old`;
  return "";
}

export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return "  nothing needs attention\n";
  const rows = [["SEVERITY", "KIND", "WHEN", "CREDENTIAL", "WHERE"]];
  for (const f of findings) {
    const severity = f.waiver?.state === "active" ? `waived (${f.severity})` : f.severity;
    rows.push([severity, f.kind, when(f), f.bound ? f.credential : "(unbound)", describeSource(f.source)]);
  }
  return `${table(rows)}\n`;
}

const storedBy = { cycle: "the last cycle", refresh: "a refresh" } as const;

/** The first line of a `--cached` answer: whose read it is and when the sources were read. */
export function formatStoredRead(read: Pick<ServedRead<ReadPart>, "info">): string {
  const { info } = read;
  return `Stored read: sources read at ${info.takenAt} by ${storedBy[info.origin]}${info.complete ? "" : " (INCOMPLETE)"}\n`;
}

export function formatPlan(plan: Plan): string {
  const s = plan.summary;
  const lines = [
    `Plan at ${plan.generatedAt}: ${s.credentials} credentials watched — ${s.expired} expired, ${s.expiring} expiring, ${s.longLived} long-lived, ${s.notFound} not found, ${s.exposed} exposed contexts, ${s.drifted} drifted`,
  ];
  if (plan.projectCoverage) lines.push(`Coverage: ${describeProjectCoverage(plan.projectCoverage)}`);
  if (!plan.complete) {
    lines.push("", "INCOMPLETE INVENTORY (nothing will be removed this cycle):");
    for (const e of plan.sourceErrors) lines.push(`  ${e.source} ${e.where}: ${e.message}`);
  }
  lines.push("", `FINDINGS (${plan.findings.length})`, formatFindings(plan.findings).trimEnd());
  // Findings come most severe first, so the first one per credential carries the step that matters most.
  const nextSteps = new Map<string, string>();
  // A step blocked for a missing permission: the grant comes first, whatever else is urgent.
  for (const f of plan.findings) if (f.kind === "permission-missing") nextSteps.set(f.credential, f.nextStep);
  for (const f of plan.findings) if (f.bound && f.waiver?.state !== "active" && !nextSteps.has(f.credential)) nextSteps.set(f.credential, f.nextStep);
  if (nextSteps.size > 0) {
    lines.push("", "NEXT STEPS");
    for (const [credential, step] of nextSteps) lines.push(`  ${credential}: ${step}`);
  }
  lines.push(...formatExposure(plan));
  lines.push(...formatOwnership(plan));
  const unbound = plan.findings.filter((f) => !f.bound).length;
  if (unbound > 0) lines.push("", `${unbound} findings concern credentials no policy binds: \`watchdog plan --json\` gives a policy snippet for each.`);
  if (plan.waivers && plan.waivers.length > 0) {
    lines.push("", `WAIVERS (${plan.waivers.length})`, ...formatWaivers(plan.waivers));
  }
  if (plan.migrations && plan.migrations.length > 0) {
    lines.push("", `OIDC MIGRATIONS (${plan.migrations.length})`);
    for (const status of plan.migrations) lines.push(...formatMigrationStatus(status));
  }
  if (plan.steps.length > 0) {
    lines.push("", `STEPS (${plan.steps.length})`);
    for (const step of plan.steps) {
      lines.push(`  ${step.kind} ${step.credential}: ${step.reason}`);
      if (step.blocked) lines.push(`    BLOCKED: ${step.blocked}`);
      if (step.kind === "rotate" && step.note) lines.push(`    ${step.note}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** One line per waiver: what it matches, its state, reason, who and until when; matching nothing is a warning. */
export function formatWaivers(waivers: readonly WaiverStatus[]): string[] {
  return waivers.map((w) => {
    const state = w.state === "ended" ? `ENDED on ${w.until}: alerting again` : w.state === "ending" ? `ends ${w.until} (within 30 days)` : `until ${w.until}`;
    const matched = w.matches === 0 ? " — WARNING: matches nothing (a typo waives nothing)" : ` — ${w.matches} matched`;
    return `  waivers[${w.waiver}] ${describeWaiverMatch(w.match)}: ${state}; "${w.reason}" (${w.by})${matched}`;
  });
}

const exposureWords = {
  unrestricted: "NO RESTRICTION: every project of the organization can use it",
  "ssh-rerun": "restricted, but SSH reruns can read it",
  restricted: "restricted",
  unknown: "UNKNOWN",
} as const;

/** Contexts whose exposure needs a look: exposed ones with the restriction to add, and unknown ones with why. */
function formatExposure(plan: Plan): string[] {
  const shown = (plan.exposure ?? []).filter((e) => e.level !== "restricted");
  if (shown.length === 0) return [];
  const steps = new Map(plan.findings.filter((f) => f.kind === "exposed").map((f) => [f.exposure?.context, f.nextStep]));
  const lines = ["", `CONTEXT EXPOSURE (${shown.length})`];
  for (const e of shown) {
    lines.push(`  ${e.context}: ${exposureWords[e.level]}${e.problem ? ` (${e.problem})` : ""} — holds ${e.variables.join(", ")}`);
    const step = steps.get(e.context);
    if (step) lines.push(`    next: ${step}`);
  }
  return lines;
}

export function formatInventory(snapshot: Snapshot): string {
  const contexts = snapshot.circleci.contexts.length;
  const contextVars = snapshot.circleci.variables.filter((v) => v.scope.kind === "context").length;
  const projectVars = snapshot.circleci.variables.length - contextVars;
  const passwords = snapshot.entra.apps.reduce((n, a) => n + a.passwords.length, 0);
  const certificates = snapshot.entra.apps.reduce((n, a) => n + a.certificates.length, 0);
  const lines = [
    `Inventory at ${snapshot.takenAt}`,
    `  CircleCI   ${contexts} contexts with ${contextVars} variables; ${snapshot.circleci.projects.length} projects with ${projectVars} variables`,
    `  Entra      ${snapshot.entra.apps.length} app registrations with ${passwords} client secrets and ${certificates} certificates`,
    `  Key Vault  ${snapshot.keyVault ? `${snapshot.keyVault.secrets.length} secrets` : "not configured"}`,
  ];
  for (const e of snapshot.errors) lines.push(`  ! ${e.source} ${e.where}: ${e.message}`);
  return `${lines.join("\n")}\n`;
}

export function formatCycle(report: CycleReport): string {
  const lines = [formatPlan(report.plan).trimEnd(), ""];
  if (report.dryRun) {
    lines.push("DRY RUN: nothing was changed and no alert was sent.");
    return `${lines.join("\n")}\n`;
  }
  if (report.rotations.length > 0) {
    lines.push(`ROTATIONS (${report.rotations.length})`);
    for (const outcome of report.rotations) lines.push(formatRotationOutcome(outcome).trimEnd());
    lines.push("");
  }
  for (const outcome of report.migrations) {
    if (isMigrationBusy(outcome)) lines.push(`  ${outcome.credential}: ${outcome.message}`);
    else if (outcome.steps.some((st) => st.outcome === "done")) {
      lines.push(`OIDC MIGRATION ${outcome.credential}: ${outcome.steps.filter((st) => st.outcome === "done").map((st) => st.step).join(", ")} done`);
      lines.push(...formatMigrationStatus(outcome.status), "");
    }
  }
  if (report.enqueued.length > 0) lines.push(`ENQUEUED on rotation-jobs: ${report.enqueued.join(", ")}`, "");
  lines.push(`ALERTS: ${report.alerts.raised.length} raised, ${report.alerts.sent} delivered, ${report.alerts.failed} delivery failures, ${report.alerts.pending} pending`);
  if (report.alerts.baseline) lines.push("  first cycle: chat sinks get one baseline digest; from now on alerts go out as they happen");
  for (const d of report.alerts.deliveries) lines.push(`  -> ${d.sink}: ${d.title}${d.digest ? ` [${d.digest.kind} of ${d.digest.alerts} alerts]` : ""}`);
  for (const f of report.failures) lines.push(`FAILED ${f.step}: ${f.message}`);
  if (report.heartbeat?.sent) lines.push(`HEARTBEAT: ${report.heartbeat.ok ? `pinged (HTTP ${report.heartbeat.status})` : `ping failed: ${report.heartbeat.note}`}`);
  else if (report.heartbeat?.note && report.heartbeat.note !== "no selfWatch.heartbeatUrl") lines.push(`HEARTBEAT: ${report.heartbeat.note}`);
  if (report.brokerCounters && report.brokerCounters.deleted + report.brokerCounters.unreadable > 0) {
    const { deleted, unreadable } = report.brokerCounters;
    lines.push(`BROKER: ${deleted} expired counter(s) deleted${unreadable > 0 ? `, ${unreadable} unreadable kept` : ""}`);
  }
  if (report.health && report.health.failuresInRow > 0) lines.push(`HEALTH: ${report.health.failuresInRow} failed or incomplete cycle(s) in a row since ${report.health.failingSince ?? report.health.lastStartedAt}`);
  return `${lines.join("\n")}\n`;
}

export function formatRotationOutcome(outcome: RotationOutcome): string {
  if (isBusy(outcome)) return `  ${outcome.credential}: ${outcome.message}\n`;
  const lines = [`  ${outcome.credential}: rotation ${outcome.rotationId ?? ""} is ${outcome.state}`.replace("  is", " is")];
  for (const step of outcome.steps) lines.push(`    ${step.at}  ${step.step.padEnd(7)} ${step.outcome}${step.detail ? `  (${step.detail})` : ""}`);
  if (outcome.waitingUntil) lines.push(`    the old secret stays valid until the overlap ends: retired from ${outcome.waitingUntil} on`);
  if (outcome.note && !outcome.blocked) lines.push(`    ${outcome.note}`);
  if (outcome.blocked) lines.push(`    BLOCKED by the tenant's app management policy: ${outcome.blocked.reason}`, `    way out: ${outcome.blocked.wayOut}`);
  if (outcome.failure) lines.push(`    FAILED at ${outcome.failure.step}: ${outcome.failure.message} (the next cycle resumes)`);
  return `${lines.join("\n")}\n`;
}

export function formatRotation(result: ManualRotation): string {
  if (!result.dryRun) return formatRotationOutcome(result.outcome);
  const p = result.plan;
  const lines = [`  ${p.credential}: ${p.state}${p.busy ? ` — already rotating (${p.busy.heldBy} until ${p.busy.until})` : ""}`];
  if (p.problem) lines.push(`    cannot rotate: ${p.problem}`);
  if (p.wouldDo.length > 0) lines.push(`    would: ${p.wouldDo.join(" -> ")}`);
  if (p.note) lines.push(`    ${p.note}`);
  return `${lines.join("\n")}\n`;
}

const ownershipWords = {
  yes: "owned",
  no: "NOT OWNED: watched only, never rotated or federated",
  unknown: "UNKNOWN: the owners could not be read (not taken as owned)",
  "not-needed": "ownership not needed (Application.ReadWrite.All)",
} as const;

/** Apps the watchdog rotates or federates but does not own (or cannot tell), each with the grant. */
function formatOwnership(plan: Plan): string[] {
  const shown = (plan.ownership ?? []).filter((o) => o.owner === "no" || o.owner === "unknown");
  if (shown.length === 0) return [];
  const lines = ["", `APP OWNERSHIP (${shown.length} of ${plan.ownership!.length} apps cannot be changed)`];
  for (const o of shown) {
    lines.push(`  ${o.appName ? `${o.appName} ` : ""}${o.appId} (${o.credentials.join(", ")}): ${ownershipWords[o.owner]}${o.detail ? ` (${o.detail})` : ""}`);
    if (o.fix) lines.push(`    fix: ${o.fix}`);
  }
  return lines;
}

function formatMigrationStatus(status: MigrationStatus): string[] {
  const lines = [`  ${status.credential}: ${status.status} — ${status.headline}`];
  if (status.blocked) lines.push(`    BLOCKED (${status.blocked.kind}): ${status.blocked.reason}`);
  if (status.nextStep) lines.push(`    next: ${status.nextStep}`);
  if (status.pipelineChange) lines.push("    pipeline change:", ...status.pipelineChange.split("\n").map((l) => `      ${l}`));
  const first = status.firstOidcSignIns;
  if (first && !first.available) lines.push(`    first OIDC sign-ins: unknown (${first.reason ?? "the sign-in log could not be read"})`);
  else if (first && first.signIns.length === 0) lines.push("    first OIDC sign-ins: none yet");
  else if (first) lines.push("    first OIDC sign-ins:", ...first.signIns.map((s) => `      ${s.at}  ${s.name ?? s.federatedCredentialId}${s.subject ? `  ${s.subject}` : ""}`));
  return lines;
}

export function formatMigration(result: ManualMigration): string {
  if (result.dryRun) {
    const p = result.preview;
    return `${[...formatMigrationStatus(p.status), ...p.wouldDo.map((w) => `    would: ${w}`)].join("\n")}\n`;
  }
  const outcome = result.outcome;
  if (isMigrationBusy(outcome)) return `  ${outcome.credential}: ${outcome.message}\n`;
  const lines = formatMigrationStatus(outcome.status);
  for (const step of outcome.steps) lines.push(`    ${step.at}  ${step.step.padEnd(9)} ${step.outcome}${step.detail ? `  (${step.detail})` : ""}`);
  if (outcome.note) lines.push(`    ${outcome.note}`);
  if (outcome.failure) lines.push(`    FAILED at ${outcome.failure.step}: ${outcome.failure.message} (the next cycle resumes)`);
  return `${lines.join("\n")}\n`;
}

export function formatCheckPolicy(result: { file: string; policy: Policy; waivers?: WaiverCheck }): string {
  const p = result.policy;
  const lines = [`${result.file}: valid — ${p.credentials.length} credentials, ${p.alerts.webhooks.length} webhooks, ${p.waivers.length} waivers, thresholds ${p.alerts.thresholdsDays.join("/")} days`];
  const check = result.waivers;
  if (check?.checked) {
    for (const w of check.waivers.filter((x) => x.matches === 0)) lines.push(`warning: waivers[${w.waiver}].match: matches nothing in the inventory (${describeWaiverMatch(w.match)}): a typo would silently waive nothing`);
  } else if (check) {
    lines.push(`note: waivers not checked against the inventory (${check.reason})`);
  }
  return `${lines.join("\n")}\n`;
}

export function formatProgress(progress: InventoryProgress): string {
  switch (progress.phase) {
    case "contexts":
      return progress.done === progress.total ? `  scanned ${progress.total} CircleCI contexts\n` : "";
    case "projects":
      return progress.done === progress.total ? `  scanned ${progress.total} CircleCI projects\n` : "";
    case "entra":
      return `  scanned ${progress.apps} Entra app registrations\n`;
    case "keyvault":
      return `  scanned ${progress.secrets} Key Vault secrets\n`;
  }
}

/** `watchdog oidc check-token`: the token's claims (never the token or its signature) and each comparison. */
export function formatTokenCheck(result: TokenCheckResult): string {
  if (!result.ok) return `${result.credential}: ${result.problem}\n`;
  const { token, checks, matches, matchedFic, brokerRole } = result.comparison;
  const lines = [
    `Token (claims only; the signature is not shown and the token is not kept):`,
    `  iss ${token.iss ?? "(none)"}`,
    `  sub ${token.sub ?? "(none)"}`,
    `  aud ${token.aud.join(", ") || "(none)"}`,
    `  project ${token.projectId ?? "(none)"}; contexts ${token.contextIds.join(", ") || "(none)"}; vcs ${token.vcsOrigin ?? "-"} ${token.vcsRef ?? "-"}; alg ${token.alg ?? "?"}; expires ${token.expiresAt ?? "never"}`,
    brokerRole ? `Against the broker's role ${brokerRole}, then the federated credentials of ${result.app}:` : `Against the federated credentials of ${result.app}:`,
    ...checks.map((c) => `  ${c.ok ? "ok  " : "FAIL"} ${c.claim}: ${c.detail}`),
    matches
      ? brokerRole
        ? `${result.credential}: the broker would exchange this token for role ${brokerRole}, and Entra would accept the broker's token (federated credential ${matchedFic ?? "?"}).`
        : `${result.credential}: Entra would accept this token's issuer, subject and audience (federated credential ${matchedFic ?? "?"}).`
      : brokerRole
        ? `${result.credential}: the broker or Entra would refuse this token (see FAIL above).`
        : `${result.credential}: Entra would refuse this token (see FAIL above).`,
  ];
  return `${lines.join("\n")}\n`;
}
