import type { ContextExposure, ExposureLevel, Finding } from "../finding.js";
import type { Policy } from "../policy/index.js";
import type { CiContext, ContextRestriction } from "../snapshot.js";
import { plural } from "./describe.js";
import { contextKey } from "./keys.js";
import type { CanonicalSnapshot } from "./canonical-snapshot.js";
import { guardsSshReruns, withSshGuard } from "./ssh-rerun-guard.js";

export interface ExposureEvaluation {
  exposure: ContextExposure[];
  findings: Finding[];
}

function describeRestriction(restriction: ContextRestriction): string {
  return `${restriction.type} ${restriction.value}`;
}

function levelOf(context: CiContext): { level: ExposureLevel; problem?: string } {
  const read = context.restrictions;
  if (!read) return { level: "unknown", problem: "restrictions were not read" };
  if (!read.read) return { level: "unknown", problem: `restrictions could not be read: ${read.problem}` };
  if (read.restrictions.length === 0) return { level: "unrestricted" };
  const weak = read.restrictions.some((r) => r.type === "expression" && !guardsSshReruns(r.value));
  return { level: weak ? "ssh-rerun" : "restricted" };
}

const restrictionsPath = (contextId: string) => `POST https://circleci.com/api/v2/context/${contextId}/restrictions`;

/**
 * The exact restriction to add. Project ids the policy knows for the context (its oidc.projectIds) make project
 * restrictions; otherwise an expression restriction that also keeps SSH reruns out.
 */
function restrictStep(exposure: ContextExposure, context: CiContext, projectIds: string[]): string {
  if (exposure.level === "ssh-rerun" && context.restrictions?.read) {
    const weak = context.restrictions.restrictions.filter((r) => r.type === "expression" && !guardsSshReruns(r.value));
    const replacements = weak.map(
      (r) =>
        `${restrictionsPath(context.id)} ${JSON.stringify({ restriction_type: "expression", restriction_value: withSshGuard(r.value) })}, then DELETE https://circleci.com/api/v2/context/${context.id}/restrictions/${r.id}`,
    );
    return `Keep SSH reruns out of CircleCI context ${context.name} (Organization Settings > Contexts, or the API): replace ${weak.length === 1 ? "its expression restriction" : "each expression restriction"} with one ending in "and not job.ssh.enabled": ${replacements.join("; ")}.`;
  }
  if (projectIds.length > 0) {
    const adds = projectIds.map((id) => `${restrictionsPath(context.id)} ${JSON.stringify({ restriction_type: "project", restriction_value: id })}`);
    return `Restrict CircleCI context ${context.name} to the ${projectIds.length === 1 ? "project" : "projects"} the policy names for it (Organization Settings > Contexts > Add Project Restriction, or the API): ${adds.join("; ")}.`;
  }
  const expression = JSON.stringify({ restriction_type: "expression", restriction_value: 'pipeline.git.branch == "main" and not job.ssh.enabled' });
  return `Restrict CircleCI context ${context.name} (Organization Settings > Contexts, or the API): a project restriction for each project that uses it — ${restrictionsPath(context.id)} {"restriction_type":"project","restriction_value":"<project id>"} — or an expression restriction with your deploy branch: ${restrictionsPath(context.id)} ${expression}.`;
}

function exposedMessage(exposure: ContextExposure): string {
  const held = `${plural(exposure.variables.length, "secret")} (${exposure.variables.join(", ")})`;
  if (exposure.level === "unrestricted") {
    return `CircleCI context ${exposure.context} holds ${held} and has no restriction: every project of the organization, including ones created later, can use it`;
  }
  return `CircleCI context ${exposure.context} holds ${held} and its expression restriction lacks "and not job.ssh.enabled": an SSH rerun of an allowed job can read them`;
}

/**
 * Who can use each context that holds something worth protecting — a variable a policy credential binds, or a
 * long-lived secret — and an `exposed` finding for each one every project can use (or SSH reruns can read).
 * Restrictions that could not be read make the exposure unknown: reported as such, never as restricted.
 */
export function evaluateExposure(snapshot: CanonicalSnapshot, policy: Policy, longLived: readonly Finding[]): ExposureEvaluation {
  if (policy.inventory.exposure === "ignore") return { exposure: [], findings: [] };
  const held = new Map<string, Set<string>>();
  const bound = new Set<string>();
  const projectIds = new Map<string, Set<string>>();
  const hold = (context: string, variable: string) => {
    const set = held.get(context) ?? new Set<string>();
    set.add(variable);
    held.set(context, set);
  };
  const present = new Set(snapshot.variables.flatMap((v) => (v.scope?.kind === "context" ? [`${v.scope.contextName}\u0000${v.name}`] : [])));
  for (const credential of policy.credentials) {
    if (!("context" in credential.circleci)) continue;
    const { context, variable } = credential.circleci;
    if (!present.has(`${context}\u0000${variable}`)) continue;
    hold(context, variable);
    bound.add(context);
    if (credential.action === "oidc") {
      const ids = projectIds.get(context) ?? new Set<string>();
      for (const id of credential.oidc.projectIds) ids.add(id);
      projectIds.set(context, ids);
    }
  }
  for (const finding of longLived) {
    const circleci = finding.source.circleci;
    if (finding.kind === "long-lived" && circleci?.context !== undefined) hold(circleci.context, circleci.variable);
  }

  const exposure: ContextExposure[] = [];
  const findings: Finding[] = [];
  for (const context of snapshot.contexts) {
    const variables = held.get(context.name);
    if (!variables) continue;
    const { level, problem } = levelOf(context);
    const entry: ContextExposure = {
      context: context.name,
      contextId: context.id,
      level,
      restrictions: context.restrictions?.read ? context.restrictions.restrictions.map(describeRestriction).sort() : [],
      variables: [...variables].sort(),
    };
    if (problem) entry.problem = problem;
    exposure.push(entry);
    if (level !== "unrestricted" && level !== "ssh-rerun") continue;
    const credential = contextKey(context.name);
    findings.push({
      id: `exposed:${credential}`,
      kind: "exposed",
      severity: level === "unrestricted" ? "critical" : "warning",
      credential,
      bound: bound.has(context.name),
      source: { circleci: { context: context.name, variable: entry.variables.join(", ") } },
      exposure: entry,
      message: exposedMessage(entry),
      nextStep: restrictStep(entry, context, [...(projectIds.get(context.name) ?? [])].sort()),
    });
  }
  return { exposure: exposure.sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0)), findings };
}
