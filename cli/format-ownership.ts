import type { OwnershipLine, OwnershipReport } from "#shared/engine/ownership/index.js";

function describe(line: OwnershipLine): string {
  const outcome = line.outcome;
  switch (outcome.kind) {
    case "already-owner":
      return "already an owner: nothing to do";
    case "added":
      return outcome.confirmed ? "owner added" : "owner added (Graph's reads do not show it yet: Entra replicates writes; run watchdog doctor in a minute)";
    case "would-add":
      return "would add the owner (dry run: nothing changed)";
    case "not-needed":
      return "not needed: bound only by action: watch (read, never changed)";
    case "failed": {
      const seen = [outcome.status, outcome.code].filter((v) => v !== undefined).join(" ");
      return `FAILED${seen ? ` (${seen})` : ""}: ${outcome.reason}`;
    }
  }
}

/** One line per app (its client id, name, the credentials binding it, what happened) and a verdict. */
export function formatOwnership(report: OwnershipReport): string {
  const lines = [
    `watchdog grant-ownership: service principal ${report.principalId} as owner of every app the policy changes${report.dryRun ? " (dry run)" : ""}`,
    `signed in as ${report.caller.principalId ?? "(the token names no object id)"}`,
    "",
  ];
  for (const line of report.apps) {
    lines.push(`  app ${line.appId}${line.displayName ? ` (${line.displayName})` : ""} — ${line.credentials.join(", ")}: ${describe(line)}`);
  }
  if (report.apps.length === 0) lines.push("  the policy binds no app registration");
  const failed = report.apps.filter((l) => l.outcome.kind === "failed").length;
  lines.push("", report.ok ? (report.dryRun ? "Nothing changed (dry run)." : "Every app the policy changes lists the watchdog as an owner.") : `${failed} app(s) failed: see above; nothing else was changed for them.`);
  return `${lines.join("\n")}\n`;
}
