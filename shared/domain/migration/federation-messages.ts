import type { OidcPolicy } from "../policy/index.js";
import type { ObservedFic, WantedFic } from "./federation-plan.js";

const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** "2 projects × 12 users × 1 ref": how the number of subjects comes about. */
function breakdown(oidc: Pick<OidcPolicy, "projectIds" | "userIds" | "branches"> & { mode?: OidcPolicy["mode"] }): string {
  if (oidc.mode === "broker") return "one for the broker role";
  const parts = [count(new Set(oidc.projectIds).size, "project"), count(new Set(oidc.userIds).size, "user")];
  if (oidc.branches) parts.push(count(new Set(oidc.branches.refs).size, "ref"));
  return parts.join(" × ");
}

/** The refusal when the app would hold more FICs than Entra allows, with every way out. */
export function federationLimitMessage(input: {
  credential: string;
  appLabel: string;
  oidc: Pick<OidcPolicy, "projectIds" | "userIds" | "branches"> & { mode?: OidcPolicy["mode"] };
  needed: number;
  foreign: number;
  limit: number;
}): string {
  const others = input.foreign > 0 ? ` and already holds ${count(input.foreign, "federated credential")} the watchdog does not manage` : "";
  return (
    `credential ${input.credential} needs ${count(input.needed, "federated credential")} (${breakdown(input.oidc)}: CircleCI's token subject names ` +
    `the project and the user who triggered the job, and Entra matches subjects exactly), but ${input.appLabel} allows at most ${input.limit}${others}: ` +
    `${input.needed + input.foreign} > ${input.limit}. Nothing was changed. Ways out: list fewer oidc.userIds; let one bot user trigger ` +
    `the deploys (its user id alone); split the projects across app registrations (one policy credential each); use the OIDC broker, ` +
    `which needs one federated credential per role instead of one per project × user (oidc.mode: broker with a role of broker.roles, README "OIDC broker"); ` +
    `or stay on the secret with action: rotate.`
  );
}

/** Another FIC already federates a wanted subject, for another audience: Entra allows one FIC per issuer+subject. */
export function subjectConflictMessage(credential: string, appLabel: string, conflicts: Array<{ wanted: WantedFic; fic: ObservedFic }>): string {
  const lines = conflicts.map(
    ({ wanted, fic }) => `FIC "${fic.name}" already federates subject ${wanted.subject} with audience ${fic.audiences.join(", ") || "(none)"}, not ${wanted.audience}`,
  );
  return (
    `credential ${credential}: ${lines.join("; ")} on ${appLabel}. Entra allows one federated credential per issuer and subject, and the ` +
    `watchdog never changes one it did not create. Nothing was changed. Remove that FIC, or set oidc.audience to its audience.`
  );
}
