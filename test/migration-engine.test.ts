import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { demoIds } from "../sandbox/world/demo.js";
import { circleciIssuer, parseMigrationJournal, type MigrationJournal } from "#shared/domain/migration/index.js";
import { credentialSchema, type OidcCredential } from "#shared/domain/policy/index.js";
import {
  loadMigrationStatuses,
  migrateCredential,
  previewMigration,
  retireMigration,
  rollbackMigration,
  type MigrationOutcome,
  type MigrationResult,
} from "#shared/engine/migration/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { DAY, startMigrationSandbox, TestClock, type MigrationCase, type MigrationSandbox } from "./support/migration-sandbox.js";
import { instantPropagation } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// The OIDC migration end to end through the real adapters and the sandbox's emulators: what a user would
// check is the app's federated credentials in Graph, the variables in CircleCI and whether the secret still works.

let sandbox: MigrationSandbox;
let started: StartedStateStore;
let store: StateStore;
const outputs: unknown[] = [];

beforeAll(async () => {
  sandbox = await startMigrationSandbox();
  started = await startLocalStateStore();
  store = started.store;
});
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

function done(outcome: MigrationOutcome): MigrationResult {
  outputs.push(outcome);
  if (outcome.busy) throw new Error(`unexpectedly busy: ${outcome.message}`);
  return outcome;
}

const migrate = async (credential: OidcCredential, clock: TestClock, extra: { snapshotComplete?: boolean; restart?: boolean } = {}) =>
  done(await migrateCredential(sandbox.ports(store), credential, sandbox.migrateOptions(clock, extra)));

const retire = async (credential: OidcCredential, clock: TestClock, confirm: boolean) =>
  done(await retireMigration(sandbox.ports(store), credential, { ...sandbox.migrateOptions(clock, { actor: "cli:ops" }), confirm }));

const rollback = async (credential: OidcCredential, clock: TestClock) =>
  done(
    await rollbackMigration(sandbox.ports(store), credential, {
      orgId: sandbox.orgId,
      tenantId: sandbox.tenantId,
      now: clock.now,
      actor: "cli:ops",
      testRetry: { attempts: 3, minDelayMs: 10, maxDelayMs: 20 }, propagation: instantPropagation,
    }),
  );

async function journalOf(name: string): Promise<MigrationJournal> {
  const record = await store.get<unknown>("migrations", name);
  const parsed = parseMigrationJournal(name, record?.value);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.journal;
}

const subjects = (kase: MigrationCase) => sandbox.fics(kase).map((f) => f.subject).sort();
const expectedSubjects = (kase: MigrationCase, projectIds = kase.projectIds, userIds = kase.userIds) =>
  projectIds.flatMap((p) => userIds.map((u) => `org/${sandbox.orgId}/project/${p}/user/${u}`)).sort();

describe("migration of the demo world's terraform credential, end to end", () => {
  it("federates, waits while the secret is still used, retires it after the quiet period on a complete inventory, and re-runs change nothing", async () => {
    const credential = credentialSchema.parse({
      name: "terraform",
      circleci: { context: "terraform", variable: "ARM_CLIENT_SECRET" },
      entra: { appId: demoIds.apps.terraformCi },
      action: "oidc",
      oidc: { projectIds: [demoIds.projectIds.api, demoIds.projectIds.web], userIds: [demoIds.userId], retireAfterQuietDays: 7 },
    }) as OidcCredential;
    const app = sandbox.sandbox.directory.state.appByAppId(demoIds.apps.terraformCi)!;
    const secret = app.passwordCredentials[0]!;
    const state = sandbox.sandbox.circleci.state;
    const clock = new TestClock();

    // The dry run says what would happen and changes nothing.
    sandbox.sandbox.log.clear();
    const preview = await previewMigration(sandbox.ports(store), credential, { orgId: sandbox.orgId, tenantId: sandbox.tenantId, now: clock.now(), snapshotComplete: true, signInReportingLagMs: 0 });
    outputs.push(preview);
    expect(preview.problem).toBeUndefined();
    expect(preview.federation).toMatchObject({ keep: 0, foreign: 0, total: 2, limit: 20 });
    expect(preview.federation?.create.map((f) => f.subject).sort()).toEqual(
      [demoIds.projectIds.api, demoIds.projectIds.web].map((p) => `org/${demoIds.orgId}/project/${p}/user/${demoIds.userId}`).sort(),
    );
    expect(preview.wouldDo).toContain("set AZURE_CLIENT_ID and AZURE_TENANT_ID in context terraform");
    expect(sandbox.sandbox.log.writes().filter((e) => !e.path.endsWith("/token"))).toEqual([]);
    expect(app.federatedIdentityCredentials).toHaveLength(0);

    const first = await migrate(credential, clock);
    expect(first.failure).toBeUndefined();
    expect(first.state).toBe("waiting");
    expect(first.steps.filter((s) => s.outcome === "done").map((s) => s.step)).toEqual(["plan", "federate", "configure", "switch", "check"]);
    // Graph: one FIC per project × user, with CircleCI's issuer, the audience, a watchdog name and description.
    expect(app.federatedIdentityCredentials.map((f) => f.subject).sort()).toEqual(preview.federation?.create.map((f) => f.subject).sort());
    for (const fic of app.federatedIdentityCredentials) {
      expect(fic.issuer).toBe(`https://oidc.circleci.com/org/${demoIds.orgId}`);
      expect(fic.audiences).toEqual(["api://AzureADTokenExchange"]);
      expect(fic.name).toMatch(/^watchdog-terraform-[0-9a-f]{12}$/);
      expect(fic.name.length).toBeLessThanOrEqual(120);
      expect(fic.description).toContain("managed by secret-watchdog");
    }
    // CircleCI: the ids for az login in the context; the secret untouched while pipelines switch.
    expect(state.contextValue("terraform", "AZURE_CLIENT_ID")).toBe(demoIds.apps.terraformCi);
    expect(state.contextValue("terraform", "AZURE_TENANT_ID")).toBe(demoIds.tenantId);
    expect(state.contextValue("terraform", "ARM_CLIENT_SECRET")).toBe(secret.secretText);
    // The pipeline change, exactly.
    expect(first.status.status).toBe("waiting");
    expect(first.status.pipelineChange).toContain(`TOKEN=$(circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}')`);
    expect(first.status.pipelineChange).toContain(`az login --service-principal -u $AZURE_CLIENT_ID -t $AZURE_TENANT_ID --federated-token "$TOKEN"`);
    expect(first.status.pipelineChange).toContain("ARM_USE_OIDC=true");
    expect(first.alerts).toHaveLength(1);
    expect(first.alerts[0]).toMatchObject({ kind: "migration", credential: "terraform", title: "terraform: federated with OIDC — switch the pipelines" });
    expect(first.alerts[0]!.nextStep).toContain("az login --service-principal");

    // A pipeline still on the secret: Entra records the sign-in. Three and six days on, the secret stays.
    expect(await sandbox.signIn({ app } as MigrationCase, state.contextValue("terraform", "ARM_CLIENT_SECRET"))).toBe(true);
    clock.advance(3 * DAY);
    const waiting = await migrate(credential, clock);
    expect(waiting.state).toBe("waiting");
    expect(waiting.status.lastSignInDateTime).toBeTruthy();
    expect(Date.parse(waiting.waitingUntil!)).toBeGreaterThan(clock.now().getTime());
    expect(waiting.alerts).toEqual([]);
    clock.advance(3 * DAY);
    expect((await migrate(credential, clock)).state).toBe("waiting");
    expect(app.passwordCredentials.map((p) => p.keyId)).toContain(secret.keyId);

    // Quiet for the whole period and the sign-in report's 48-hour lag, but the inventory was incomplete: nothing is removed.
    clock.advance(4 * DAY);
    const incomplete = await migrate(credential, clock, { snapshotComplete: false });
    expect(incomplete.state).toBe("waiting");
    expect(incomplete.note).toContain("incomplete");
    expect(state.contextValue("terraform", "ARM_CLIENT_SECRET")).toBe(secret.secretText);

    const retired = await migrate(credential, clock);
    expect(retired.failure).toBeUndefined();
    expect(retired.state).toBe("retired");
    expect(state.contextVariable("terraform", "ARM_CLIENT_SECRET")).toBeUndefined();
    expect(app.passwordCredentials.map((p) => p.keyId)).not.toContain(secret.keyId);
    expect(await sandbox.signIn({ app } as MigrationCase, secret.secretText)).toBe(false);
    expect(app.federatedIdentityCredentials).toHaveLength(2);
    expect(retired.alerts.map((a) => a.title)).toEqual(["terraform: client secret retired, pipelines on OIDC"]);

    // Later cycles: no duplicate FICs, no writes anywhere.
    sandbox.sandbox.log.clear();
    const again = await migrate(credential, clock);
    expect(again.state).toBe("retired");
    expect(app.federatedIdentityCredentials).toHaveLength(2);
    expect(sandbox.sandbox.log.writes().filter((e) => !e.path.endsWith("/token"))).toEqual([]);

    const [status] = await loadMigrationStatuses(store, [credential]);
    expect(status).toMatchObject({ credential: "terraform", status: "retired" });
    const audit = await store.listAudit(100);
    expect(audit.filter((a) => a.subject === "terraform").map((a) => a.event)).toEqual(
      expect.arrayContaining(["migration.planned", "migration.federated", "migration.configured", "migration.waiting", "migration.retired"]),
    );
  });
});

describe("federated credentials follow the policy", () => {
  it("creates only what is missing, removes only the watchdog's own, never touches anyone else's", async () => {
    const foreign = { name: "github-deploy", issuer: "https://token.actions.githubusercontent.com", subject: "repo:acme/api:ref:refs/heads/main", audiences: ["api://AzureADTokenExchange"] };
    const kase = sandbox.addCase("follow", { projects: 1, users: 2, foreignFics: [foreign] });
    const clock = new TestClock();
    expect((await migrate(kase.credential, clock)).state).toBe("waiting");
    expect(subjects(kase)).toEqual([...expectedSubjects(kase), foreign.subject].sort());
    const created = sandbox.graphCalls(kase, graphRouteNames.ficCreate, 201);
    expect(created).toBe(2);

    // Re-runs: nothing created again.
    await migrate(kase.credential, clock);
    await migrate(kase.credential, clock);
    expect(sandbox.graphCalls(kase, graphRouteNames.ficCreate, 201)).toBe(2);
    expect(sandbox.fics(kase)).toHaveLength(3);

    // A user joins and the first one leaves: one created, one removed, the foreign one left alone.
    const [gone, stays] = kase.userIds as [string, string];
    const newUser = "0f0e0d0c-0b0a-4909-8807-060504030201";
    const changed = credentialSchema.parse({ ...kase.credential, oidc: { ...kase.credential.oidc, userIds: [stays, newUser] } }) as OidcCredential;
    const rerun = await migrate(changed, clock);
    expect(rerun.failure).toBeUndefined();
    expect(subjects(kase)).toEqual([...expectedSubjects(kase, kase.projectIds, [stays, newUser]), foreign.subject].sort());
    expect(subjects(kase).some((s) => s.endsWith(gone))).toBe(false);
    expect(sandbox.fics(kase).find((f) => f.name === "github-deploy")).toMatchObject(foreign);

    // Someone deletes one of the watchdog's FICs: the next cycle puts it back.
    const app = sandbox.sandbox.directory.state.appByAppId(kase.app.appId)!;
    app.federatedIdentityCredentials.splice(app.federatedIdentityCredentials.findIndex((f) => f.name.startsWith("watchdog-")), 1);
    await migrate(changed, clock);
    expect(subjects(kase)).toEqual([...expectedSubjects(kase, kase.projectIds, [stays, newUser]), foreign.subject].sort());
  });

  it("with branches, federates the V2 subjects and tells the pipelines to use $CIRCLE_OIDC_TOKEN_V2 (org id audience)", async () => {
    const kase = sandbox.addCase("branches", { audience: sandbox.orgId, branches: { vcsOrigin: "github.com/acme/api", refs: ["refs/heads/main", "refs/heads/release"] } });
    const outcome = await migrate(kase.credential, new TestClock());
    expect(outcome.state).toBe("waiting");
    const base = `org/${sandbox.orgId}/project/${kase.projectIds[0]}/user/${kase.userIds[0]}/vcs-origin/github.com/acme/api/vcs-ref/`;
    expect(subjects(kase)).toEqual([`${base}refs/heads/main`, `${base}refs/heads/release`]);
    expect(sandbox.fics(kase).every((f) => f.audiences[0] === sandbox.orgId && f.issuer === circleciIssuer(sandbox.orgId))).toBe(true);
    expect(outcome.status.pipelineChange).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN_V2"`);
    expect(outcome.status.pipelineChange).not.toContain("circleci run oidc get");
  });

  it("a project variable gets the ids as project variables, and the change says a context is needed for tokens", async () => {
    const kase = sandbox.addCase("project-bound", { binding: "project", audience: sandbox.orgId });
    const outcome = await migrate(kase.credential, new TestClock());
    expect(outcome.state).toBe("waiting");
    expect(sandbox.value(kase, "AZURE_CLIENT_ID")).toBe(kase.app.appId);
    expect(sandbox.value(kase, "AZURE_TENANT_ID")).toBe(sandbox.tenantId);
    expect(outcome.status.pipelineChange).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN"`);
    expect(outcome.status.pipelineChange).toContain("only to jobs that use at least one context");
  });
});

describe("Entra's rules", () => {
  it("refuses a plan beyond 20 FICs on the app (counting others'), changing nothing and naming the ways out; a smaller plan then federates", async () => {
    const foreignFics = Array.from({ length: 15 }, (_, i) => ({ name: `other-${i}`, issuer: "https://token.actions.githubusercontent.com", subject: `repo:acme/r${i}:ref:refs/heads/main`, audiences: ["api://AzureADTokenExchange"] }));
    const kase = sandbox.addCase("crowded", { projects: 2, users: 3, foreignFics });
    const clock = new TestClock();
    const refused = await migrate(kase.credential, clock);
    expect(refused.failure).toBeUndefined();
    expect(refused.state).toBe("planned");
    expect(refused.status.status).toBe("blocked");
    expect(refused.blocked?.kind).toBe("fic-limit");
    expect(refused.blocked?.reason).toContain("needs 6 federated credentials (2 projects × 3 users");
    expect(refused.blocked?.reason).toContain("already holds 15 federated credentials the watchdog does not manage: 21 > 20");
    for (const way of ["fewer oidc.userIds", "bot user", "split the projects across app registrations", "OIDC broker", "one federated credential per role", "action: rotate"]) expect(refused.blocked?.reason).toContain(way);
    expect(sandbox.fics(kase)).toHaveLength(15);
    expect(sandbox.value(kase, "AZURE_CLIENT_ID")).toBeUndefined();
    expect(refused.alerts.map((a) => a.title)).toEqual(["crowded: OIDC migration blocked (fic-limit)"]);

    // Same answer again: no second alert.
    expect((await migrate(kase.credential, clock)).alerts).toEqual([]);

    const smaller = credentialSchema.parse({ ...kase.credential, oidc: { ...kase.credential.oidc, userIds: kase.userIds.slice(0, 2), projectIds: kase.projectIds } }) as OidcCredential;
    const accepted = await migrate(smaller, clock);
    expect(accepted.state).toBe("waiting");
    expect(accepted.blocked).toBeUndefined();
    expect(sandbox.fics(kase)).toHaveLength(19);
  });

  it("a subject someone else already federates: same audience is reused, another audience blocks with the reason", async () => {
    const kase = sandbox.addCase("shared-subject");
    const subject = `org/${sandbox.orgId}/project/${kase.projectIds[0]}/user/${kase.userIds[0]}`;
    const app = sandbox.sandbox.directory.state.appByAppId(kase.app.appId)!;
    app.federatedIdentityCredentials.push({ id: "11111111-0000-4000-8000-000000000001", name: "hand-made", issuer: circleciIssuer(sandbox.orgId), subject, audiences: [sandbox.orgId], description: null });
    const clock = new TestClock();
    const blocked = await migrate(kase.credential, clock);
    expect(blocked.blocked?.kind).toBe("fic-conflict");
    expect(blocked.blocked?.reason).toContain(`FIC "hand-made" already federates subject ${subject} with audience ${sandbox.orgId}`);
    expect(sandbox.fics(kase)).toHaveLength(1);

    const sameAudience = credentialSchema.parse({ ...kase.credential, oidc: { ...kase.credential.oidc, audience: sandbox.orgId } }) as OidcCredential;
    const reused = await migrate(sameAudience, clock);
    expect(reused.state).toBe("waiting");
    expect(sandbox.fics(kase).map((f) => f.name)).toEqual(["hand-made"]);
    // Rolling back never removes what the watchdog did not create.
    expect((await rollback(sameAudience, clock)).state).toBe("rolled-back");
    expect(sandbox.fics(kase).map((f) => f.name)).toEqual(["hand-made"]);
  });
});

describe("evidence", () => {
  it("without sign-in reports (403, no licence) it never retires on its own: blocked with the reason, then an explicit confirm retires", async () => {
    const kase = sandbox.addCase("no-licence");
    const directory = sandbox.sandbox.directory.state;
    const clock = new TestClock();
    directory.signInReportsAvailable = false;
    try {
      const first = await migrate(kase.credential, clock);
      // The pipelines get the quiet period to switch before anyone is asked to confirm.
      expect(first.status.status).toBe("waiting");
      expect(first.alerts.map((a) => a.title)).toEqual(["no-licence: federated with OIDC — switch the pipelines"]);
      clock.advance(3 * DAY);
      const second = await migrate(kase.credential, clock);
      expect(second.status.status).toBe("waiting");
      expect(second.note).toContain("a person must confirm: watchdog retire no-licence --confirm");
      clock.advance(5 * DAY);
      const blocked = await migrate(kase.credential, clock);
      expect(blocked.state).toBe("waiting");
      expect(blocked.status.status).toBe("blocked");
      expect(blocked.blocked?.kind).toBe("no-evidence");
      expect(blocked.blocked?.reason).toContain("403");
      expect(blocked.status.nextStep).toContain("watchdog retire no-licence --confirm");
      expect(blocked.alerts.map((a) => a.title)).toEqual(["no-licence: OIDC migration blocked (no-evidence)"]);
      expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);

      const unconfirmed = await retire(kase.credential, clock, false);
      expect(unconfirmed.state).toBe("waiting");
      expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.secret.keyId);

      const confirmed = await retire(kase.credential, clock, true);
      expect(confirmed.failure).toBeUndefined();
      expect(confirmed.state).toBe("retired");
      expect(sandbox.value(kase, kase.variable)).toBeUndefined();
      expect(sandbox.passwords(kase)).toEqual([]);
      expect((await journalOf(kase.name)).retireApproval).toMatchObject({ basis: "confirmed", by: "cli:ops" });
    } finally {
      directory.signInReportsAvailable = true;
    }
  });

  it("a confirmation does not override evidence of use", async () => {
    const kase = sandbox.addCase("still-used");
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(8 * DAY);
    // The secret signed in just now (by the clock of the run): the pipelines have not switched.
    sandbox.sandbox.directory.state.recordSignIn(kase.app.appId, kase.secret.keyId, new Date(clock.now().getTime() - DAY));
    const outcome = await retire(kase.credential, clock, true);
    expect(outcome.state).toBe("waiting");
    expect(outcome.note).toContain("does not override evidence");
    expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
  });

  it("retire --confirm right after the publication retires on 30 quiet days of evidence; the cycle alone keeps waiting from the publication", async () => {
    const kase = sandbox.addCase("confirm-quiet", { retireAfterQuietDays: 30 });
    const clock = new TestClock();
    // The last sign-in with the secret was 33 days ago: 30 quiet days, plus the report's lag (48 h here).
    sandbox.sandbox.directory.state.recordSignIn(kase.app.appId, kase.secret.keyId, new Date(clock.now().getTime() - 33 * DAY));
    const first = await migrate(kase.credential, clock);
    expect(first.state).toBe("waiting");
    clock.advance(60_000);
    const timerRun = await migrate(kase.credential, clock);
    expect(timerRun.state).toBe("waiting");
    // The cycle counts from the publication, plus the report's lag (48 h by default).
    expect(timerRun.waitingUntil).toBe(new Date(Date.parse((await journalOf(kase.name)).waitingSince!) + 30 * DAY + 2 * DAY).toISOString());

    const lagged = { ...sandbox.migrateOptions(clock, { actor: "cli:ops" }), confirm: true, signInReportingLagMs: 2 * DAY };
    const confirmed = done(await retireMigration(sandbox.ports(store), kase.credential, lagged));
    expect(confirmed.failure).toBeUndefined();
    expect(confirmed.state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();
    expect(sandbox.passwords(kase).map((p) => p.keyId)).not.toContain(kase.secret.keyId);
    expect((await journalOf(kase.name)).retireApproval).toMatchObject({ basis: "confirmed", by: "cli:ops" });
  });

  it("retire --confirm refuses on a sign-in inside the quiet window, counting the report's lag", async () => {
    const kase = sandbox.addCase("confirm-used", { retireAfterQuietDays: 30 });
    const clock = new TestClock();
    const state = sandbox.sandbox.directory.state;
    await migrate(kase.credential, clock);
    clock.advance(60_000);
    const lagged = { ...sandbox.migrateOptions(clock, { actor: "cli:ops" }), confirm: true, signInReportingLagMs: 2 * DAY };
    for (const ago of [10 * DAY, 31 * DAY]) {
      // 10 days ago is inside 30 days; 31 days ago is outside them, but not once the report may be 2 days late.
      state.recordSignIn(kase.app.appId, kase.secret.keyId, new Date(clock.now().getTime() - ago));
      const refused = done(await retireMigration(sandbox.ports(store), kase.credential, lagged));
      expect(refused.state).toBe("waiting");
      expect(refused.note).toContain("does not override evidence");
      expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
      expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.secret.keyId);
    }
    // Without the lag, 31 days ago is quiet enough.
    const unlagged = done(await retireMigration(sandbox.ports(store), kase.credential, { ...lagged, signInReportingLagMs: 0 }));
    expect(unlagged.state).toBe("retired");
  });

  it("an app with several passwords and no record of which is CircleCI's: blocked; confirm removes the variable only", async () => {
    const kase = sandbox.addCase("ambiguous", { otherPasswords: 1 });
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(8 * DAY);
    const blocked = await migrate(kase.credential, clock);
    expect(blocked.blocked?.kind).toBe("unknown-secret");
    const confirmed = await retire(kase.credential, clock, true);
    expect(confirmed.state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();
    expect(sandbox.passwords(kase)).toHaveLength(2);
  });
});

describe("sign-in evidence as Graph writes it (late, offsets, one object or a collection)", () => {
  const HOUR = 3_600_000;
  const report = () => sandbox.sandbox.directory.state.signInReport;
  afterEach(() => Object.assign(report(), { timestamps: "utc", shape: "collection" }));

  /** Migrated, and the quiet period since the pipeline change (plus the report's lag) long past: only the evidence decides. */
  async function quietLongAgo(name: string, quietDays: number): Promise<{ kase: MigrationCase; clock: TestClock }> {
    const kase = sandbox.addCase(name, { retireAfterQuietDays: quietDays });
    const clock = new TestClock();
    expect((await migrate(kase.credential, clock)).state).toBe("waiting");
    clock.advance((quietDays + 5) * DAY);
    return { kase, clock };
  }

  const kept = (kase: MigrationCase) => {
    expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.secret.keyId);
  };

  for (const shape of ["collection", "object"] as const) {
    it(`a sign-in an hour ago written with an offset (-8:00, answered as a ${shape}) keeps the secret`, async () => {
      const { kase, clock } = await quietLongAgo(`offset-${shape}`, 1);
      const signedInAt = new Date(Math.floor((clock.now().getTime() - HOUR) / 1000) * 1000);
      sandbox.sandbox.directory.state.recordSignIn(kase.app.appId, kase.secret.keyId, signedInAt);
      Object.assign(report(), { timestamps: "offset", shape });
      const outcome = await retire(kase.credential, clock, false);
      expect(outcome.state).toBe("waiting");
      expect(outcome.status.lastSignInDateTime).toBe(signedInAt.toISOString());
      kept(kase);
    });
  }

  it("a sign-in inside the report's lag (25 hours ago, quiet period 1 day, lag 48 hours) keeps the secret until the lag has passed", async () => {
    const { kase, clock } = await quietLongAgo("inside-lag", 1);
    sandbox.sandbox.directory.state.recordSignIn(kase.app.appId, kase.secret.keyId, new Date(clock.now().getTime() - 25 * HOUR));
    const outcome = await retire(kase.credential, clock, false);
    expect(outcome.state).toBe("waiting");
    expect((await journalOf(kase.name)).evidence).toMatchObject({ verdict: "waiting", retireEarliestAt: new Date(clock.now().getTime() - 25 * HOUR + DAY + 48 * HOUR).toISOString() });
    kept(kase);
    // Once one day of quiet is older than the lag, the evidence is complete: retired.
    clock.advance(2 * DAY);
    expect((await retire(kase.credential, clock, false)).state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();
  });

  it("a timestamp that is not ISO 8601 makes the evidence unavailable: blocked, never quiet", async () => {
    const { kase, clock } = await quietLongAgo("unreadable-time", 1);
    sandbox.sandbox.directory.state.signIns.set(kase.secret.keyId.toLowerCase(), { keyId: kase.secret.keyId, appId: kase.app.appId, lastSignInDateTime: "12/02/2026 09:00:00" });
    const outcome = await migrate(kase.credential, clock);
    expect(outcome.state).toBe("waiting");
    expect(outcome.blocked).toMatchObject({ kind: "no-evidence" });
    expect(outcome.blocked?.reason).toContain("not an ISO 8601 timestamp");
    kept(kase);
  });
});

describe("rollback", () => {
  it("after retirement: a new secret through Key Vault and CircleCI that Entra accepts, the watchdog's FICs removed, and migrate leaves it alone until a restart", async () => {
    const kase = sandbox.addCase("rollback-retired", { users: 2 });
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(10 * DAY);
    expect((await migrate(kase.credential, clock)).state).toBe("retired");
    expect(sandbox.value(kase, kase.variable)).toBeUndefined();

    const back = await rollback(kase.credential, clock);
    expect(back.failure).toBeUndefined();
    expect(back.state).toBe("rolled-back");
    expect(back.alerts.map((a) => a.title)).toEqual(["rollback-retired: OIDC migration rolled back"]);
    expect(sandbox.fics(kase)).toEqual([]);
    const value = sandbox.value(kase, kase.variable);
    expect(value).toBeDefined();
    expect(value).not.toBe(kase.secret.value);
    expect(await sandbox.signIn(kase, value)).toBe(true);
    // Key Vault held it first, tagged with the new password's key id.
    const versions = sandbox.sandbox.keyVault.state.versions(kase.credential.keyVault.secretName);
    expect(versions.map((v) => v.value)).toContain(value);
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(versions.at(-1)!.tags?.keyId);
    expect((await journalOf(kase.name)).rollback?.rotationId).toBeTruthy();

    // The timer keeps running migrate: it does not federate again.
    const idle = await migrate(kase.credential, clock);
    expect(idle.state).toBe("rolled-back");
    expect(sandbox.fics(kase)).toEqual([]);
    // A second rollback is a no-op.
    expect((await rollback(kase.credential, clock)).note).toContain("already rolled back");

    const restarted = await migrate(kase.credential, clock, { restart: true });
    expect(restarted.state).toBe("waiting");
    expect(subjects(kase)).toEqual(expectedSubjects(kase));
    const journal = await journalOf(kase.name);
    expect(journal.history.filter((h) => h.step === "rollback" && h.outcome === "done").length).toBeGreaterThan(0);
    expect(journal.secret.keyIds).toEqual([versions.at(-1)!.tags?.keyId]);
  });

  it("asked for after the policy went back to action: rotate: the journal still knows the migration, and the new secret follows the policy's rotation", async () => {
    const kase = sandbox.addCase("rollback-after-policy");
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    clock.advance(10 * DAY);
    expect((await migrate(kase.credential, clock)).state).toBe("retired");
    const { oidc: _oidc, ...rest } = kase.credential;
    const rotate = credentialSchema.parse({ ...rest, action: "rotate", rotation: { validityDays: 30, rotateBeforeDays: 10 } });
    const back = done(
      await rollbackMigration(sandbox.ports(store), rotate, { orgId: sandbox.orgId, tenantId: sandbox.tenantId, now: clock.now, actor: "cli:ops", testRetry: { attempts: 3, minDelayMs: 10, maxDelayMs: 20 }, propagation: instantPropagation }),
    );
    expect(back.state).toBe("rolled-back");
    expect(sandbox.fics(kase)).toEqual([]);
    const [fresh] = sandbox.passwords(kase);
    expect(Date.parse(fresh!.endDateTime) - clock.now().getTime()).toBeLessThanOrEqual(30 * DAY);
    expect(Date.parse(fresh!.endDateTime) - clock.now().getTime()).toBeGreaterThan(29 * DAY);
    expect(await sandbox.signIn(kase)).toBe(true);
    // Migrating a credential that is not action: oidc is refused, not attempted.
    expect((await migrateCredential(sandbox.ports(store), rotate, sandbox.migrateOptions(clock))) as MigrationResult).toMatchObject({ failure: { step: "plan" } });
  });

  it("before retirement: no new secret is minted, only the FICs go", async () => {
    const kase = sandbox.addCase("rollback-early");
    const clock = new TestClock();
    await migrate(kase.credential, clock);
    expect(sandbox.fics(kase)).toHaveLength(1);
    const back = await rollback(kase.credential, clock);
    expect(back.state).toBe("rolled-back");
    expect(sandbox.fics(kase)).toEqual([]);
    expect(sandbox.value(kase, kase.variable)).toBe(kase.secret.value);
    expect(sandbox.graphCalls(kase, graphRouteNames.addPassword)).toBe(0);
  });
});

describe("no secret value anywhere", () => {
  it("outcomes, journals and the audit log hold no secret value", async () => {
    const canaries = sandbox.canaries();
    expect(canaries.length).toBeGreaterThan(5);
    const journals = await store.list<unknown>("migrations");
    const audit = await store.listAudit(1000);
    const text = JSON.stringify([outputs, journals, audit]);
    expect(canaries.filter((c) => text.includes(c))).toEqual([]);
    expect(journals.length).toBeGreaterThan(5);
  });
});
