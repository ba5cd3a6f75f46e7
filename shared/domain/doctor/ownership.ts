import type { AppOwnership } from "../finding.js";
import type { DoctorCheck } from "./checks.js";

/** The doctor's line for one bound app's ownership; none when ownership is not needed (Application.ReadWrite.All). */
export function ownershipCheck(ownership: AppOwnership): DoctorCheck | undefined {
  if (ownership.owner === "not-needed") return undefined;
  const check: DoctorCheck = {
    need: `owner of app ${ownership.appId}`,
    neededFor: `rotate / federate: ${ownership.credentials.join(", ")} (Application.ReadWrite.OwnedBy changes only owned apps)`,
    status: ownership.owner === "yes" ? "present" : ownership.owner === "no" ? "missing" : "unknown",
    fix: ownership.fix ?? "",
    credentials: ownership.credentials,
  };
  if (ownership.detail) check.detail = ownership.detail;
  return check;
}
