import { circleciTokenContribution } from "../self-watch/token-expiry.js";
import { projectCoverage } from "./project-coverage.js";
import type { Finding, Plan, PlanStep, WatchedCredential } from "../finding.js";
import type { Policy } from "../policy/index.js";
import type { RotationBlock } from "../app-policy/index.js";
import type { Snapshot } from "../snapshot.js";
import { evaluateBoundCredential } from "./bound-credential.js";
import { canonicalSnapshot } from "./canonical-snapshot.js";
import { evaluateExposure } from "./context-exposure.js";
import { applyDrift, type DriftFact } from "./drift-findings.js";
import { circleciKey } from "./keys.js";
import { compareCredentials, compareFindings, compareSteps } from "./ordering.js";
import type { Contribution, PlanInputs } from "./plan-inputs.js";
import { sourceCoverage } from "./source-coverage.js";
import { uniqueBy } from "../unique-by.js";
import { unboundCredentials } from "./unbound-credentials.js";
import { applyWaivers } from "./waivers.js";

export interface PlanContext {
  /** Whether a Key Vault is configured (KEY_VAULT_URL); rotations are blocked without one. */
  vaultConfigured: boolean;
  /** What the engine found comparing CircleCI with the watchdog's last push of each rotated credential. */
  drift?: DriftFact[];
  /** Rotations Graph refused with a 400 (from the rotation journals): each a blocked-by-tenant-policy finding. */
  rotationBlocks?: RotationBlock[];
}


/**
 * The plan of one cycle (architecture: "plan is a pure function"): every credential the sources show,
 * bound by the policy or not, the findings on them, and the steps to take. Pure and total: odd snapshots
 * (missing dates, null expiries, duplicates, partial reads) never make it throw; `now` must be a valid Date.
 */
export function buildPlan(snapshot: Snapshot, policy: Policy, now: Date, context: PlanContext): Plan {
  const canonical = canonicalSnapshot(snapshot);
  const inputs: PlanInputs = { snapshot: canonical, coverage: sourceCoverage(canonical), policy, now, vaultConfigured: context.vaultConfigured, rotationBlocks: context.rotationBlocks ?? [] };

  const bound = policy.credentials.map((credential) => evaluateBoundCredential(credential, inputs));
  const accounting = {
    accountedKeys: new Set(bound.flatMap((evaluation) => (evaluation.accountsFor ? [evaluation.accountsFor] : []))),
    boundAppIds: new Set(policy.credentials.flatMap((credential) => (credential.entra ? [credential.entra.appId.toLowerCase()] : []))),
    rotatedAppIds: new Set(policy.credentials.flatMap((credential) => (credential.action === "rotate" ? [credential.entra.appId.toLowerCase()] : []))),
    boundVariables: new Set(
      policy.credentials.map((credential) => {
        const binding = credential.circleci;
        return "context" in binding
          ? circleciKey({ kind: "context", contextId: "", contextName: binding.context }, binding.variable)
          : circleciKey({ kind: "project", projectSlug: binding.project }, binding.variable);
      }),
    ),
  };
  const token = circleciTokenContribution(policy.selfWatch.circleciTokenSecret, canonical.vaultSecrets, inputs.coverage.vaultRead, policy.alerts.thresholdsDays, now);
  const contributions: Contribution[] = [...bound, ...unboundCredentials(accounting, inputs), token];

  const watched: WatchedCredential[] = uniqueBy(contributions.flatMap((c) => c.credentials), (c) => c.credential).sort(compareCredentials);
  const credentialFindings = [...contributions.flatMap((c) => c.findings), ...applyDrift(watched, context.drift ?? [])];
  const exposure = evaluateExposure(canonical, policy, credentialFindings);
  const waived = applyWaivers(
    watched,
    uniqueBy([...credentialFindings, ...exposure.findings], (f) => f.id).sort(compareFindings),
    policy.waivers,
    now,
  );
  const credentials: WatchedCredential[] = waived.credentials;
  const findings: Finding[] = waived.findings;
  const steps: PlanStep[] = contributions.flatMap((c) => c.steps).sort(compareSteps);
  const coverage = projectCoverage(snapshot);
  const count = (kind: Finding["kind"]) => findings.filter((finding) => finding.kind === kind).length;

  const plan: Plan = {
    generatedAt: now.toISOString(),
    complete: canonical.errors.length === 0,
    sourceErrors: canonical.errors,
    credentials,
    findings,
    steps,
    ...(coverage ? { projectCoverage: coverage } : {}),
    ...(policy.waivers.length > 0 ? { waivers: waived.waivers } : {}),
    summary: {
      credentials: credentials.length,
      expired: count("expired"),
      expiring: count("expiring"),
      longLived: count("long-lived"),
      notFound: count("not-found"),
      exposed: count("exposed"),
      drifted: count("drifted"),
      ...(count("blocked-by-tenant-policy") > 0 ? { blockedByTenantPolicy: count("blocked-by-tenant-policy") } : {}),
      steps: steps.length,
      ...(policy.waivers.length > 0 ? { waived: findings.filter((f) => f.waiver?.state === "active").length } : {}),
    },
  };
  if (policy.inventory.exposure !== "ignore") plan.exposure = exposure.exposure;
  return plan;
}
