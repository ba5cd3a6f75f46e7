import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordKeyId, demoPasswordValue, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { openWatchdog } from "#shared/app/watchdog.js";
import type { Plan } from "#shared/domain/finding.js";
import { isBusy, type RotationOutcome, type RotationResult } from "#shared/engine/rotation/index.js";
import { projectDrift, type RotationJournal } from "#shared/domain/rotation/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import { runBuiltCli } from "./support/cli.js";
import { TestClock } from "./support/rotation-sandbox.js";

// Issue 13 part 2: a person changes a rotated credential's CircleCI value by hand. The watchdog sees it by CircleCI's
// own clock (context variables: `updated_at` later than the one CircleCI answered to the watchdog's push) or by the
// masked tail (project variables), raises one finding and alert, holds retirement, and `rotate --repush` puts the
// vault's value back. CircleCI's clock is skewed against ours on purpose: ahead (no false drift right after a push)
// and behind (a hand change is still seen, although CircleCI stamps it before our own time of the push).

const HOUR = 3_600_000;
const MINUTE = 60_000;
const handSetContextValue = "HAND-SET-CANARY-context-value-0123456789";
const handSetProjectValue = "HAND-SET-CANARY-project-value-9876543210";

describe("drift: a rotated credential's CircleCI value changed outside the watchdog", () => {
  const clock = new TestClock(Date.parse("2026-12-01T09:00:00.000Z"));
  let circleciSkewMs = 10 * MINUTE;
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const savedEnv = { ...process.env };

  // staging-deploy is bound to a project variable, prod-deploy to a context variable.
  const policy = demoPolicyYaml.replace(
    "circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }",
    "circleci: { project: gh/acme/api, variable: STAGING_CLIENT_SECRET }",
  );
  const watchdog = () => openWatchdog(env, { host: "cli", now: clock.now });
  const cycle = async () => {
    const report = await (await watchdog()).run({ dryRun: false, actor: "timer" });
    expect(report.failures).toEqual([]);
    return report;
  };
  const rotation = (outcomes: readonly RotationOutcome[], name: string) => outcomes.find((o) => o.credential === name) as RotationResult | undefined;
  const drifted = (plan: Plan) => plan.findings.filter((f) => f.kind === "drifted");
  const driftOf = (plan: Plan, name: string) => plan.credentials.find((c) => c.credential === name)?.drift;
  const passwordKeyIds = (appId: string) => sandbox.directory.state.appByAppId(appId)!.passwordCredentials.map((p) => p.keyId);
  const vaultValue = (name: string) => sandbox.keyVault.state.latest(name)!.value;
  const journal = async (name: string) => {
    const w = await watchdog();
    return (await w.adapters.state.get<{ state: string; pushedMark?: { version: string; ciUpdatedAt?: string } }>("journal", name))!.value;
  };
  /** A person's write through CircleCI's API, as the web app or `circleci context store-secret` makes it. */
  const personWrites = async (method: "PUT" | "POST", path: string, body: object) => {
    const response = await fetch(`${env.CIRCLECI_API_URL}${path}`, { method, headers: { "Circle-Token": env.CIRCLECI_TOKEN!, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Record<string, string>;
  };
  const prodContextId = () => sandbox.circleci.state.context("prod-deploy")!.id;

  beforeAll(async () => {
    const world = demoWorld(clock.now());
    world.circleci.projects
      .find((p) => p.slug === "gh/acme/api")!
      .variables.push({ name: "STAGING_CLIENT_SECRET", value: demoPasswordValue("deployStaging"), createdAt: new Date(clock.now().getTime() - 30 * 24 * HOUR).toISOString() });
    sandbox = await startSandbox(world, { now: clock.now, circleciNow: () => new Date(clock.now().getTime() + circleciSkewMs) });
    dir = mkdtempSync(join(tmpdir(), "watchdog-drift-"));
    writeFileSync(join(dir, "policy.yaml"), policy);
    env = {
      ...sandbox.env,
      WATCHDOG_POLICY: join(dir, "policy.yaml"),
      WATCHDOG_STATE_DIR: join(dir, "state"),
      WATCHDOG_PROPAGATION_SETTLE_SECONDS: "0",
      WATCHDOG_PROPAGATION_SPACING_SECONDS: "0",
      WATCHDOG_PROPAGATION_CONFIRMATIONS: "1",
      WATCHDOG_PROPAGATION_READ_LAG_SECONDS: "0",
    };
    // DefaultAzureCredential reads IDENTITY_ENDPOINT from process.env, as in a Function App.
    Object.assign(process.env, env);
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox?.close();
  });
  afterEach(() => sandbox.circleci.faults.clear());

  it("no false drift right after the watchdog's own push, with CircleCI's clock 10 minutes ahead of ours", async () => {
    const report = await cycle();
    expect(rotation(report.rotations, "prod-deploy")).toMatchObject({ state: "pushed" });
    expect(rotation(report.rotations, "staging-deploy")).toMatchObject({ state: "pushed" });
    // The journal keeps CircleCI's updated_at of the push (its clock), not ours.
    const mark = (await journal("prod-deploy")).pushedMark!;
    expect(mark.ciUpdatedAt).toBe(sandbox.circleci.state.contextVariable("prod-deploy", "AZURE_CLIENT_SECRET")!.updatedAt);
    expect(Date.parse(mark.ciUpdatedAt!)).toBeGreaterThan(clock.now().getTime());

    expect(report.alerts.raised.filter((a) => a.kind === "drifted")).toEqual([]);
    clock.advance(5 * MINUTE);
    const plan = await (await watchdog()).plan();
    expect(drifted(plan)).toEqual([]);
    expect(driftOf(plan, "prod-deploy")).toBe("in-sync");
    expect(driftOf(plan, "staging-deploy")).toBe("in-sync");
    expect(plan.summary.drifted).toBe(0);
  });

  it("a person's PUT to the context and POST to the project (CircleCI's clock now behind ours) are drift: one finding and one alert each, in the plan and report", async () => {
    clock.advance(HOUR);
    circleciSkewMs = -10 * MINUTE;
    const put = await personWrites("PUT", `/context/${prodContextId()}/environment-variable/AZURE_CLIENT_SECRET`, { value: handSetContextValue });
    // Stamped by CircleCI, earlier than our own clock's time of the push an hour ago would suggest nothing.
    expect(Date.parse(put.updated_at!)).toBeGreaterThan(Date.parse((await journal("prod-deploy")).pushedMark!.ciUpdatedAt!));
    await personWrites("POST", "/project/gh/acme/api/envvar", { name: "STAGING_CLIENT_SECRET", value: handSetProjectValue });

    const report = await cycle();
    const alerts = report.alerts.raised.filter((a) => a.kind === "drifted");
    expect(alerts.map((a) => a.credential).sort()).toEqual(["prod-deploy", "staging-deploy"]);
    expect(alerts.find((a) => a.credential === "prod-deploy")!.nextStep).toContain("watchdog rotate prod-deploy --repush");
    const delivered = sandbox.receiver.received.filter((h) => h.kind === "generic" && (h.body as { data?: { kind?: string } }).data?.kind === "drifted");
    expect(delivered).toHaveLength(2);

    const plan = await (await watchdog()).plan();
    expect(drifted(plan).map((f) => f.id).sort()).toEqual(["drifted:prod-deploy", "drifted:staging-deploy"]);
    expect(drifted(plan).find((f) => f.credential === "prod-deploy")).toMatchObject({ severity: "critical", changedAt: put.updated_at });
    expect(plan.summary.drifted).toBe(2);
    expect(driftOf(plan, "staging-deploy")).toBe("drifted");
    const page = await (await watchdog()).report();
    expect(page).toContain("CircleCI value");
    expect(page).toMatch(/<dt>Drifted<\/dt><dd>2/);
    expect(page).toContain("drifted (changed outside the watchdog)");

    // The same drift alerts once.
    const again = await cycle();
    expect(again.alerts.raised.filter((a) => a.kind === "drifted")).toEqual([]);
  });

  it("`--repush` of the project variable puts Key Vault's value back; the drift clears", async () => {
    const outcome = (await (await watchdog()).rotate("staging-deploy", { actor: "cli:test", repush: true })) as { dryRun: false; outcome: RotationResult };
    expect(outcome.outcome.failure).toBeUndefined();
    expect(outcome.outcome.note).toMatch(/^repushed Key Vault version /);
    expect(sandbox.circleci.state.projectValue("gh/acme/api", "STAGING_CLIENT_SECRET")).toBe(vaultValue("cci-staging-deploy"));
    const plan = await (await watchdog()).plan();
    expect(driftOf(plan, "staging-deploy")).toBe("in-sync");
    expect(drifted(plan).map((f) => f.credential)).toEqual(["prod-deploy"]);
  });

  it("after the overlap, a drifted credential keeps its old password, and an unreadable project variable (unknown drift) holds retirement too; both say why", async () => {
    clock.advance(25 * HOUR);
    sandbox.circleci.faults.set("project.envvar.get", { failTimes: 1_000, failStatus: 403 });
    const report = await cycle();
    const prod = rotation(report.rotations, "prod-deploy")!;
    expect(prod.state).toBe("pushed");
    expect(prod.note).toMatch(/^retirement held, drifted: CircleCI context prod-deploy, variable AZURE_CLIENT_SECRET was changed at /);
    expect(prod.note).toContain("`watchdog rotate prod-deploy --repush`");
    expect(prod.note).toContain("or `watchdog rotate prod-deploy` replaces the hand-set value");
    const staging = rotation(report.rotations, "staging-deploy")!;
    expect(staging.state).toBe("pushed");
    expect(staging.note).toMatch(/^retirement held, drift unknown: could not be checked/);
    // The old passwords are still in Graph: pipelines may be using them.
    expect(passwordKeyIds(demoIds.apps.deployProd)).toContain(demoPasswordKeyId("deployProd"));
    expect(passwordKeyIds(demoIds.apps.deployStaging)).toContain(demoPasswordKeyId("deployStaging"));

    const plan = await (await watchdog()).plan();
    expect(driftOf(plan, "staging-deploy")).toBe("unknown");
    expect(plan.credentials.find((c) => c.credential === "staging-deploy")!.unchecked).toEqual([expect.stringMatching(/^drift: could not be checked/)]);
  });

  it("`watchdog rotate prod-deploy --repush` (the CLI) restores the vault value, is idempotent, and the next cycle resolves the drift and retires", async () => {
    const first = await runBuiltCli(["rotate", "prod-deploy", "--repush", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as RotationResult).note).toMatch(/^repushed Key Vault version /);
    expect(sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe(vaultValue("cci-prod-deploy"));
    expect((await journal("prod-deploy")).pushedMark!.ciUpdatedAt).toBe(sandbox.circleci.state.contextVariable("prod-deploy", "AZURE_CLIENT_SECRET")!.updatedAt);

    sandbox.log.clear();
    const second = ((await (await watchdog()).rotate("prod-deploy", { actor: "cli:test", repush: true })) as { dryRun: false; outcome: RotationOutcome }).outcome;
    expect(isBusy(second)).toBe(false);
    expect((second as RotationResult).note).toMatch(/^nothing to repush: CircleCI holds Key Vault version /);
    expect(sandbox.log.count((e) => e.route === "context.envvar.put")).toBe(0);

    const report = await cycle();
    expect(report.alerts.raised.filter((a) => a.credential === "prod-deploy").map((a) => a.kind)).toContain("resolved");
    expect(rotation(report.rotations, "prod-deploy")).toMatchObject({ state: "retired" });
    expect(rotation(report.rotations, "staging-deploy")).toMatchObject({ state: "retired" });
    expect(passwordKeyIds(demoIds.apps.deployProd)).not.toContain(demoPasswordKeyId("deployProd"));
    expect(drifted(await (await watchdog()).plan())).toEqual([]);
  });

  it("a context whose variables cannot be read makes drift unknown, never in sync, and says so", async () => {
    sandbox.circleci.faults.set("context.envvar.list", { failTimes: 1_000, failStatus: 403 });
    const plan = await (await watchdog()).plan();
    expect(driftOf(plan, "prod-deploy")).toBe("unknown");
    expect(plan.credentials.find((c) => c.credential === "prod-deploy")!.unchecked).toContainEqual(expect.stringMatching(/^drift: could not be checked/));
    expect(drifted(plan)).toEqual([]);
  });

  it("during an overlap, `watchdog rotate <name>` on a drifted credential starts a new rotation that replaces the hand-set value; the drift clears", async () => {
    const manual = async () => ((await (await watchdog()).rotate("prod-deploy", { actor: "cli:test" })) as { dryRun: false; outcome: RotationResult }).outcome;
    clock.advance(HOUR);
    const before = await manual();
    expect(before.state).toBe("pushed");
    // In sync, within the overlap: a second request has nothing to do.
    expect((await manual()).note).toMatch(/^waiting: overlap/);

    await personWrites("PUT", `/context/${prodContextId()}/environment-variable/AZURE_CLIENT_SECRET`, { value: handSetContextValue });
    expect(drifted(await (await watchdog()).plan()).map((f) => f.credential)).toEqual(["prod-deploy"]);
    const anew = await manual();
    expect(anew.failure, anew.failure?.message).toBeUndefined();
    expect(anew.state).toBe("pushed");
    expect(anew.rotationId).not.toBe(before.rotationId);
    expect(sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe(vaultValue("cci-prod-deploy"));
    expect(drifted(await (await watchdog()).plan())).toEqual([]);
  });

  it("the emulator stamps every PUT with a later updated_at (even within one millisecond of its clock) and masks project variables as CircleCI does", async () => {
    const first = await personWrites("PUT", `/context/${prodContextId()}/environment-variable/SAME_MILLISECOND`, { value: "one-value" });
    const second = await personWrites("PUT", `/context/${prodContextId()}/environment-variable/SAME_MILLISECOND`, { value: "another-value" });
    expect(Date.parse(second.updated_at!)).toBeGreaterThan(Date.parse(first.updated_at!));
    expect((await personWrites("POST", "/project/gh/acme/web/envvar", { name: "LONG", value: "abcdefgh1234" })).value).toBe("xxxx1234");
    expect((await personWrites("POST", "/project/gh/acme/web/envvar", { name: "SHORT", value: "bar" })).value).toBe("xxxx");
  });

  it("no hand-set value reached an alert, the journal, the audit log or the state files", () => {
    const state = join(dir, "state");
    const files = readdirSync(state, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const texts = [...sandbox.receiver.received.map((h) => h.rawBody), ...files.map((f) => readFileSync(join(f.parentPath, f.name), "utf8"))];
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      expect(text).not.toContain(handSetContextValue);
      expect(text).not.toContain(handSetProjectValue);
    }
  });
});

describe("project drift compares only the four characters CircleCI shows", () => {
  const journal = (): RotationJournal =>
    ({
      ci: { kind: "project", project: "gh/acme/api", variable: "X" },
      vault: { secretName: "cci-x" },
      pushedMark: { version: "v1" },
    }) as unknown as RotationJournal;
  const vault = { value: new SecretValue("Zq48Q~watchdog-pushed-value-WXYZ"), version: "v1" };

  it.each([
    ["xxxxWXYZ", "in-sync"],
    ["xxxxABCD", "drifted"],
    ["xxxx", "drifted"], // a hand-set value shorter than four characters: not the vault's
    ["****WXYZ", "unknown"], // a mask of another form says nothing
    ["WXYZ", "unknown"],
  ])("mask %s -> %s", (masked, state) => {
    const verdict = projectDrift(journal(), new SecretValue(masked), vault);
    expect(verdict.state).toBe(state);
    expect(JSON.stringify(verdict)).not.toContain("WXYZ");
  });

  it("a removed variable is drift; a vault without a current version is unknown", () => {
    expect(projectDrift(journal(), null, vault).state).toBe("drifted");
    expect(projectDrift(journal(), new SecretValue("xxxxWXYZ"), null).state).toBe("unknown");
  });
});
