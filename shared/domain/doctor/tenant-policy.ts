import { formatDays, type PasswordPolicyVerdict } from "../app-policy/index.js";
import type { DoctorCheck } from "./checks.js";

/**
 * One doctor line: the tenant's app management policy against a rotate credential's rotation.validityDays.
 * Blocked is missing (nothing can be rotated); a cap is present (the watchdog mints within it and says so);
 * unreadable is unverified (a refused mint becomes a blocked finding).
 */
export function tenantPolicyCheck(input: { credential: string; appId: string; validityDays: number; verdict: PasswordPolicyVerdict; fixForUnreadable: string }): DoctorCheck {
  const need = `tenant app management policy allows new client secrets on app ${input.appId} (validityDays ${input.validityDays})`;
  const neededFor = `rotate ${input.credential}`;
  const { verdict } = input;
  switch (verdict.kind) {
    case "blocked":
      return { need, neededFor, status: "missing", fix: verdict.wayOut, detail: verdict.reason };
    case "allowed":
      return verdict.note
        ? { need, neededFor, status: "present", fix: "", detail: `${verdict.note}: new secrets will last ${formatDays(verdict.lifetimeDays)}; set rotation.validityDays to at most ${Math.floor(verdict.lifetimeDays)} to say so in the policy` }
        : { need, neededFor, status: "present", fix: "" };
    case "unknown":
      return { need, neededFor, status: "unverified", fix: input.fixForUnreadable, detail: verdict.note ? `${verdict.reason}; ${verdict.note}` : verdict.reason };
  }
}
