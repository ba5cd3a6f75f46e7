import pLimit from "p-limit";
import type { Plan } from "../domain/finding.js";
import { brokerSettings } from "../domain/migration/index.js";
import { otherCredentialsOfApp, type PolicyCredential, type Policy } from "../domain/policy/index.js";
import type { WatchdogPorts } from "../ports/index.js";
import { answerFromJournal, pendingRotations, rotateCredential, isBusy, type PropagationOptions, type RotateOptions, type RotationOutcome, type RotationResult } from "./rotation/index.js";
import { migrateCredential, migrationChangedTheWorld, type MigrationOutcome } from "./migration/index.js";

export interface ActOptions {
  tenantId: string;
  /** CIRCLECI_ORG_ID: the OIDC issuer of federated credentials. */
  orgId: string;
  now: () => Date;
  actor: string;
  /** More rotations than this in one cycle go to the rotation-jobs queue (when there is one) instead of running inline. */
  fanOutAbove: number;
  /** See MigrateOptions.signInReportingLagMs. */
  signInReportingLagMs: number;
  /** When a new secret counts as propagated (defaults: the rotation engine's). */
  propagation?: PropagationOptions;
  /** BROKER_ISSUER_URL, for migrations in oidc.mode: broker. */
  brokerIssuerUrl?: string;
  /** Act on this credential alone (a Key Vault event's); every credential with work when absent. */
  only?: string;
}

export interface ActResult {
  rotations: RotationOutcome[];
  migrations: MigrationOutcome[];
  /** Credentials handed to the rotation-jobs queue instead. */
  enqueued: string[];
  /** Credentials with work that could not be started (no policy entry any more, unreadable journal). */
  skipped: Array<{ credential: string; reason: string }>;
}

/** The credentials with rotation work this cycle: the plan's rotate steps and every journal not yet finished. */
async function rotationWork(ports: WatchdogPorts, policy: Policy, plan: Plan, only?: string): Promise<{ work: Array<{ credential: PolicyCredential; reason: string }>; skipped: ActResult["skipped"] }> {
  const byName = new Map(policy.credentials.map((c) => [c.name, c]));
  const reasons = new Map<string, string>();
  const wanted = (credential: string) => only === undefined || credential === only;
  for (const step of plan.steps) if (step.kind === "rotate" && !step.blocked && wanted(step.credential)) reasons.set(step.credential, step.reason);
  const skipped: ActResult["skipped"] = [];
  for (const pending of await pendingRotations(ports.state)) {
    if (!wanted(pending.credential)) continue;
    // A rotation left by an OIDC rollback resumes once the policy says action: rotate again; until then it is the migration's.
    if (byName.get(pending.credential)?.action === "oidc") continue;
    if (pending.state === "unreadable") skipped.push({ credential: pending.credential, reason: pending.problem ?? "unreadable journal" });
    else if (!reasons.has(pending.credential)) reasons.set(pending.credential, `resume rotation ${pending.rotationId ?? ""} (${pending.state})`.trim());
  }
  const work: Array<{ credential: PolicyCredential; reason: string }> = [];
  for (const [name, reason] of reasons) {
    const credential = byName.get(name);
    if (credential) work.push({ credential, reason });
    else skipped.push({ credential: name, reason: "no longer in the policy: its rotation journal is left as it is" });
  }
  return { work, skipped };
}

/**
 * The "act" stage of a cycle: advances every due or unfinished rotation as far as it can. Rotations run a
 * few at a time inline, or — when there are many and a queue exists — as rotation-jobs messages so that
 * queue-triggered instances share them. Each rotation is idempotent and lease-guarded, so a message
 * delivered twice, or a timer and a manual request at once, do the work once.
 */
export async function act(ports: WatchdogPorts, policy: Policy, plan: Plan, options: ActOptions): Promise<ActResult> {
  const { work, skipped } = await rotationWork(ports, policy, plan, options.only);
  const migrations = await migrate(ports, policy, plan, options);
  const rotateOptions = (credential: PolicyCredential, reason: string): RotateOptions => ({
    appAlsoBoundBy: otherCredentialsOfApp(policy.credentials, credential),
    tenantId: options.tenantId,
    now: options.now,
    actor: options.actor,
    manual: false,
    snapshotComplete: plan.complete,
    reason,
    ...(options.propagation ? { propagation: options.propagation } : {}),
  });
  const { answered, actionable } = await splitWaiting(ports, work, rotateOptions);
  if (ports.queue && actionable.length > options.fanOutAbove) {
    const at = options.now().toISOString();
    // The job decides as this cycle would: on this inventory, while it is fresh (a queue run takes none itself).
    const inventory = { complete: plan.complete, takenAt: plan.generatedAt };
    await Promise.all(
      actionable.map(({ credential }) =>
        ports.queue!.enqueue({ credential: credential.name, jobId: `${credential.name}@${at}`, requestedBy: options.actor, reason: "schedule", inventory }),
      ),
    );
    return { rotations: answered, migrations, enqueued: actionable.map((w) => w.credential.name), skipped };
  }
  const limit = pLimit(4);
  const rotations = await Promise.all(actionable.map(({ credential, reason }) => limit(() => rotateCredential(ports, credential, rotateOptions(credential, reason)))));
  return { rotations: [...answered, ...rotations], migrations, enqueued: [], skipped };
}

/**
 * Separates rotations that only wait (the overlap, an incomplete inventory) or have nothing to start — answered
 * here from their journals, with no call — from those with calls to make. Only the latter count towards the
 * fan-out threshold and go to the queue: a waiting journal enqueued every cycle would keep the count above it.
 */
async function splitWaiting(
  ports: WatchdogPorts,
  work: Array<{ credential: PolicyCredential; reason: string }>,
  rotateOptions: (credential: PolicyCredential, reason: string) => RotateOptions,
): Promise<{ answered: RotationOutcome[]; actionable: Array<{ credential: PolicyCredential; reason: string }> }> {
  const limit = pLimit(8);
  const answers = await Promise.all(
    work.map((item) =>
      limit(async () => (item.credential.action === "rotate" && ports.vault ? answerFromJournal(ports, item.credential, rotateOptions(item.credential, item.reason)) : null)),
    ),
  );
  return {
    answered: answers.filter((answer): answer is RotationResult => answer !== null),
    actionable: work.filter((_, i) => answers[i] === null),
  };
}

/** Advances the OIDC migration of every `action: oidc` credential the plan names, one at a time (they share apps' FIC limits). */
async function migrate(ports: WatchdogPorts, policy: Policy, plan: Plan, options: ActOptions): Promise<MigrationOutcome[]> {
  const outcomes: MigrationOutcome[] = [];
  for (const step of plan.steps) {
    if (step.kind !== "migrate" || step.blocked || (options.only !== undefined && step.credential !== options.only)) continue;
    const credential = policy.credentials.find((c) => c.name === step.credential);
    if (credential?.action !== "oidc") continue;
    outcomes.push(
      await migrateCredential(ports, credential, {
        orgId: options.orgId,
        tenantId: options.tenantId,
        now: options.now,
        actor: options.actor,
        snapshotComplete: plan.complete,
        signInReportingLagMs: options.signInReportingLagMs,
        ...(options.propagation ? { propagation: options.propagation } : {}),
        broker: brokerSettings(options.brokerIssuerUrl, policy),
      }),
    );
  }
  return outcomes;
}

/** Did acting change what CircleCI or Entra hold (so the plan read before it is out of date)? */
export function changedTheWorld(result: Pick<ActResult, "rotations" | "migrations">): boolean {
  const rotated = result.rotations.some((outcome) => !isBusy(outcome) && outcome.steps.some((s) => (s.step === "push" || s.step === "retire") && s.outcome === "done"));
  return rotated || result.migrations.some(migrationChangedTheWorld);
}
