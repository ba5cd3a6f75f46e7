import { SecretValue } from "../secret-value.js";
import { parseInstant } from "../time.js";
import type { RotationJournal } from "./journal.js";

/**
 * Whether CircleCI still holds the value the watchdog pushed. "untracked": nothing to compare with (never pushed,
 * or pushed before drift was tracked); "unknown": the evidence could not be read — never taken for in-sync.
 */
export type DriftVerdict =
  | { state: "in-sync" }
  | { state: "drifted"; reason: string; changedAt?: string }
  | { state: "unknown"; reason: string }
  | { state: "untracked"; reason: string };

/** The ways out of a drift, named wherever it holds something back. */
export function driftWaysOut(credential: string, version: string | undefined): string {
  return (
    `\`watchdog rotate ${credential} --repush\` puts Key Vault's value${version ? ` (version ${version})` : ""} back into CircleCI; ` +
    `or \`watchdog rotate ${credential}\` replaces the hand-set value with a newly rotated secret`
  );
}

function where(journal: RotationJournal): string {
  const ci = journal.ci;
  return ci.kind === "context" ? `CircleCI context ${ci.context}, variable ${ci.variable}` : `CircleCI project ${ci.project}, variable ${ci.variable}`;
}

/** A context variable has drifted when CircleCI's `updated_at` is later than the one it answered to the watchdog's push. */
export function contextDrift(journal: RotationJournal, variable: { updatedAt?: string } | null): DriftVerdict {
  const mark = journal.pushedMark;
  if (!mark?.ciUpdatedAt) return { state: "untracked", reason: "CircleCI's time of the watchdog's push is not recorded" };
  if (variable === null) return { state: "drifted", reason: `${where(journal)} was removed after the watchdog pushed Key Vault version ${mark.version}` };
  const changed = parseInstant(variable.updatedAt);
  const pushed = parseInstant(mark.ciUpdatedAt);
  if (!changed || !pushed) return { state: "unknown", reason: `${where(journal)}: updated_at cannot be compared` };
  if (changed.getTime() <= pushed.getTime()) return { state: "in-sync" };
  return {
    state: "drifted",
    reason: `${where(journal)} was changed at ${changed.toISOString()}, after the watchdog pushed Key Vault version ${mark.version} (CircleCI's time ${pushed.toISOString()})`,
    changedAt: changed.toISOString(),
  };
}

/**
 * CircleCI masks a project variable as "xxxx" + its last four characters, or "xxxx" alone for a value shorter than
 * four: the tail is all there is to compare. Null when the mask has neither form (nothing can be concluded from it).
 */
function maskedTail(masked: SecretValue): SecretValue | "short" | null {
  const shown = masked.reveal();
  if (shown === "xxxx") return "short";
  return shown.length === 8 && shown.startsWith("xxxx") ? new SecretValue(shown.slice(4)) : null;
}

/**
 * A project variable has drifted when its masked last four characters differ from those of Key Vault's current
 * version. Neither tail is ever put in the reason. A hand-set value that happens to end like the vault's is not
 * seen: four characters are all CircleCI shows.
 */
export function projectDrift(journal: RotationJournal, masked: SecretValue | null, vault: { value: SecretValue; version: string } | null): DriftVerdict {
  const mark = journal.pushedMark;
  if (!mark) return { state: "untracked", reason: "the watchdog's push is not recorded" };
  if (masked === null) return { state: "drifted", reason: `${where(journal)} was removed after the watchdog pushed Key Vault version ${mark.version}` };
  if (vault === null) return { state: "unknown", reason: `Key Vault secret ${journal.vault.secretName} has no current version to compare with` };
  const shown = maskedTail(masked);
  if (shown === null) return { state: "unknown", reason: `${where(journal)}: CircleCI's masked value has an unexpected form` };
  const vaultValue = vault.value.reveal();
  if (shown !== "short" && vaultValue.length >= 4 && shown.equals(new SecretValue(vaultValue.slice(-4)))) return { state: "in-sync" };
  return { state: "drifted", reason: `${where(journal)} no longer ends like Key Vault's current version ${vault.version}: it was set outside the watchdog` };
}
