import { stringify } from "yaml";
import type { BindingProposal, Discovery, DiscoveryOptions } from "./proposals.js";

/** One scalar or flow collection, quoted exactly as YAML needs. */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
}

const comment = (text: string, indent = "") => `${indent}# ${text.replace(/\s+/g, " ")}`;

function entry(proposal: BindingProposal, oidc: DiscoveryOptions["oidc"]): string[] {
  const lines = proposal.notes.map((note) => comment(note, "  "));
  lines.push(`  - name: ${flow(proposal.name)}`, `    circleci: ${flow(proposal.circleci)}`);
  if (proposal.entra) lines.push(`    entra: ${flow({ appId: proposal.entra.appId })}`);
  lines.push(`    action: ${proposal.action}`);
  if (proposal.action === "rotate") lines.push("    rotation: {}");
  if (proposal.action === "oidc" && oidc) lines.push(`    oidc: ${flow({ projectIds: oidc.projectIds, userIds: oidc.userIds })}`);
  return lines;
}

/** A policy document (`parsePolicy` accepts it as is) whose credentials are the proposals, each with its reasons as comments. */
export function discoveryYaml(discovery: Discovery, options: Pick<DiscoveryOptions, "oidc">): string {
  const header = [
    comment("Proposed by `watchdog discover`: review, then copy the entries under credentials: of your policy."),
    ...(discovery.sourceErrors.length > 0 ? [comment(`Incomplete: ${discovery.sourceErrors.map((e) => `${e.where} could not be read`).join("; ")}.`)] : []),
    ...discovery.alreadyInPolicy.map((a) => comment(`Already in the policy: ${a.credential}.`)),
    "version: 1",
  ];
  if (discovery.proposals.length === 0) return [...header, "credentials: []", ""].join("\n");
  return [...header, "credentials:", ...discovery.proposals.flatMap((p) => entry(p, options.oidc)), ""].join("\n");
}
