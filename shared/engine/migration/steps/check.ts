import { judgeEvidence, quietSinceLastSignIn, recordEvidence, type KeyEvidence, type MigrationBlock, type MigrationJournal } from "../../../domain/migration/index.js";
import { DAY_MS } from "../../../domain/time.js";
import type { MigrationRun } from "../run.js";
import { appLabel, readVersions, requireApp, secretOf } from "./locate.js";

type Evidence = NonNullable<MigrationJournal["evidence"]>;

/**
 * Reads the evidence (Graph's sign-in activity for each password the variable may hold) and decides
 * whether the secret may go. A tenant that cannot tell, or an app whose secret cannot be identified,
 * blocks the migration until a person confirms; evidence of use is never overridden.
 */
export async function checkEvidence(run: MigrationRun): Promise<void> {
  const journal = run.journal;
  const app = await requireApp(run, "check");
  const versions = await readVersions(run, "check");
  const secret = secretOf(app, versions, run.name, journal.secret.keyIds);
  const confirm = run.options.confirm;
  const checkedAt = run.at();
  const variable = journal.ci.variable;
  const waitingSince = journal.waitingSince ?? checkedAt;
  // Pipelines get the quiet period to switch whatever the evidence; only after it is a person's word needed.
  const periodEnd = Date.parse(waitingSince) + journal.oidc.retireAfterQuietDays * DAY_MS;
  const inPeriod = run.options.now().getTime() < periodEnd;
  const confirmLater = `; from ${new Date(periodEnd).toISOString()} a person must confirm: watchdog retire ${run.name} --confirm`;

  let evidence: Evidence;
  let blocked: { kind: MigrationBlock; reason: string } | null = null;
  if (app.passwords.length === 0) {
    evidence = { checkedAt, verdict: "no-password", lastSignInDateTime: null, reason: `${appLabel(app)} has no client secret left` };
    run.context.checked = { approve: true, basis: "no-password", keyIds: [] };
  } else if (secret.keyIds.length === 0) {
    const reason = `${appLabel(app)} has ${app.passwords.length} client secrets and neither Key Vault nor a watchdog name says which one ${variable} holds: none is removed without a confirmation, and then only ${variable}`;
    evidence = { checkedAt, verdict: "unknown-secret", lastSignInDateTime: null, reason: inPeriod && !confirm ? `${reason}${confirmLater}` : reason };
    if (confirm) run.context.checked = { approve: true, basis: "confirmed", keyIds: [] };
    else if (inPeriod) run.context.checked = { approve: false };
    else blocked = { kind: "unknown-secret", reason };
  } else {
    const keys: KeyEvidence[] = [];
    for (const keyId of secret.keyIds) {
      const found = await run.read("check", () => run.call("graph", () => run.ports.directory.lastSignIn(app.appId, keyId)));
      keys.push({ keyId, ...found });
    }
    const quietInput = { quietDays: journal.oidc.retireAfterQuietDays, now: run.options.now(), reportingLagMs: run.options.signInReportingLagMs };
    const verdict = judgeEvidence({ keys, quietDays: journal.oidc.retireAfterQuietDays, waitingSince, now: run.options.now(), reportingLagMs: run.options.signInReportingLagMs });
    if (verdict.kind === "unavailable") {
      const reason = `the tenant cannot show sign-in activity (${verdict.reason}), and the secret is never retired without evidence`;
      evidence = { checkedAt, verdict: "unavailable", lastSignInDateTime: null, reason: inPeriod && !confirm ? `${reason}${confirmLater}` : reason };
      if (confirm) run.context.checked = { approve: true, basis: "confirmed", keyIds: secret.keyIds };
      else if (inPeriod) run.context.checked = { approve: false };
      else blocked = { kind: "no-evidence", reason };
    } else if (verdict.kind === "waiting" && confirm && quietSinceLastSignIn({ ...quietInput, lastSignInDateTime: verdict.lastSignInDateTime })) {
      // A person says the pipelines switched, and the evidence agrees: the wait counted from the publication is waived.
      const reason = `no sign-in with the secret ${verdict.lastSignInDateTime ? `since ${verdict.lastSignInDateTime}` : "on record"} (quiet period ${journal.oidc.retireAfterQuietDays} days); the wait since the pipeline change was waived by ${run.options.actor}'s confirmation`;
      evidence = { checkedAt, verdict: "quiet", lastSignInDateTime: verdict.lastSignInDateTime, reason };
      run.context.checked = { approve: true, basis: "confirmed", keyIds: secret.keyIds };
    } else if (verdict.kind === "waiting") {
      evidence = { checkedAt, verdict: "waiting", lastSignInDateTime: verdict.lastSignInDateTime, retireEarliestAt: verdict.retireEarliestAt, reason: verdict.reason };
      run.context.checked = { approve: false };
      if (confirm) {
        const windowEnds = new Date(Date.parse(verdict.lastSignInDateTime ?? checkedAt) + journal.oidc.retireAfterQuietDays * DAY_MS + run.options.signInReportingLagMs).toISOString();
        run.notes.push(`the confirmation does not override evidence: the secret signed in at ${verdict.lastSignInDateTime ?? "an unknown time"}, inside the quiet period; a confirmation can retire it from ${windowEnds}, the cycle at the earliest ${verdict.retireEarliestAt}`);
      }
    } else {
      evidence = { checkedAt, verdict: "quiet", lastSignInDateTime: verdict.lastSignInDateTime };
      run.context.checked = { approve: true, basis: "evidence", keyIds: secret.keyIds };
    }
  }
  if (blocked) run.context.checked = { approve: false };

  await run.save(recordEvidence(journal, checkedAt, evidence, secret, blocked));
  run.record("check", blocked ? "blocked" : "done", evidence.reason ?? `${evidence.verdict}; last sign-in ${evidence.lastSignInDateTime ?? "none recorded"}`);
  if (blocked && journal.blocked?.kind !== blocked.kind) {
    await run.audit("migration.blocked", { migrationId: journal.migrationId, kind: blocked.kind, reason: blocked.reason });
  }
}
