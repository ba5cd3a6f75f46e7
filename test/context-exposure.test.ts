import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { openWatchdog } from "#shared/app/watchdog.js";
import type { Finding, Plan } from "#shared/domain/finding.js";
import { guardsSshReruns, withSshGuard } from "#shared/domain/plan/ssh-rerun-guard.js";
import { renderReport } from "#shared/report/index.js";

describe("an expression restriction keeps SSH reruns out only with a top-level `and not job.ssh.enabled`", () => {
  it.each([
    ["not job.ssh.enabled", true],
    ['pipeline.git.branch == "main" and not job.ssh.enabled', true],
    ['(pipeline.git.branch == "main") and not (job.ssh.enabled)', true],
    ['not job.ssh.enabled and pipeline.git.branch starts-with "release/"', true],
    ['((pipeline.git.branch == "main" and   not   job.ssh.enabled))', true],
    ['pipeline.git.branch == "main" and job.ssh.enabled == false', true],
  ])("guards: %s", (expression, expected) => {
    expect(guardsSshReruns(expression)).toBe(expected);
  });

  it.each([
    ['pipeline.git.branch == "main"', "no guard at all"],
    ['pipeline.git.branch == "main" or not job.ssh.enabled', "an or at the top: the left side lets SSH in"],
    ['pipeline.git.branch == "dev" or pipeline.git.branch == "main" and not job.ssh.enabled', "and binds tighter than or"],
    ['pipeline.git.branch == "and not job.ssh.enabled"', "inside a string literal"],
    ['not (pipeline.git.branch == "main" and job.ssh.enabled)', "negates a conjunction"],
    ['pipeline.git.branch == "main" and not job.ssh.enabled)', "unbalanced parentheses"],
    ['pipeline.git.branch == "main and not job.ssh.enabled', "unbalanced quote"],
    ["not job.ssh.enabledness", "another name"],
  ])("does not guard: %s (%s)", (expression) => {
    expect(guardsSshReruns(expression)).toBe(false);
  });

  it("adds the guard around the whole expression", () => {
    const weak = 'pipeline.git.branch == "dev" or pipeline.git.branch == "main"';
    expect(withSshGuard(weak)).toBe('(pipeline.git.branch == "dev" or pipeline.git.branch == "main") and not job.ssh.enabled');
    expect(guardsSshReruns(withSshGuard(weak))).toBe(true);
  });
});

// The demo world restricts every context but aws-prod (long-lived AWS keys): project restrictions on most, an
// expression with the SSH guard on prod-deploy and npm-publish, a security group on docker-hub and notifications.
describe("context exposure against the CircleCI emulator", () => {
  const now = new Date();
  let world: WorldSpec;
  let sandbox: Sandbox;
  let dir: string;
  let stateCount = 0;
  const exposed = (plan: Plan): Finding[] => plan.findings.filter((f) => f.kind === "exposed");
  const exposureOf = (plan: Plan, context: string) => plan.exposure?.find((e) => e.context === context);

  const policy = (exposure?: "warn" | "ignore") => `version: 1
inventory:
  maxAgeDays: 90
${exposure ? `  exposure: ${exposure}\n` : ""}alerts:
  webhooks:
    - name: ops
      kind: generic
      url: \${OPS_WEBHOOK_URL}
      signingSecret: \${OPS_WEBHOOK_SECRET}
credentials:
  - name: data-pipeline
    circleci: { context: data-pipeline, variable: ARM_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.dataEtl} }
    action: watch
  - name: docker
    circleci: { context: docker-hub, variable: DOCKER_PASSWORD }
    action: watch
`;
  const open = async (exposure?: "warn" | "ignore", stateDir = join(dir, `state-${stateCount++}`)) => {
    const file = join(dir, `policy-${exposure ?? "default"}.yaml`);
    writeFileSync(file, policy(exposure));
    return openWatchdog({ ...sandbox.env, WATCHDOG_POLICY: file, WATCHDOG_STATE_DIR: stateDir }, { host: "cli" });
  };

  const savedEnv = { ...process.env };

  beforeAll(async () => {
    world = demoWorld(now);
    // Pages of one: every context with two restrictions needs two requests.
    sandbox = await startSandbox(world, { circlePageSize: 1 });
    dir = mkdtempSync(join(tmpdir(), "watchdog-exposure-"));
    // DefaultAzureCredential reads IDENTITY_ENDPOINT from process.env, as in a Function App.
    Object.assign(process.env, sandbox.env);
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox.close();
  });
  afterEach(() => sandbox.circleci.faults.clear());

  it("reads every page of every context's restrictions and flags only the unrestricted context holding secrets", async () => {
    sandbox.log.clear();
    const plan = await (await open()).plan();
    expect(plan.sourceErrors).toEqual([]);
    // Every context with a secret gets a verdict; all three restriction types count as restricted.
    expect(exposureOf(plan, "docker-hub")).toMatchObject({ level: "restricted", restrictions: [expect.stringMatching(/^group /)] });
    expect(exposureOf(plan, "prod-deploy")).toMatchObject({
      level: "restricted",
      restrictions: ['expression pipeline.git.branch == "main" and not job.ssh.enabled', `project ${demoIds.projectIds.api}`],
    });
    expect(exposureOf(plan, "data-pipeline")).toMatchObject({ level: "restricted", restrictions: [`project ${demoIds.projectIds.api}`] });
    expect(exposureOf(plan, "aws-prod")).toMatchObject({ level: "unrestricted", restrictions: [], variables: ["AWS_SECRET_ACCESS_KEY"] });
    // A context whose variables are all young configuration holds nothing worth a verdict.
    expect(exposureOf(plan, "quality")?.variables).not.toContain("CODECOV_TOKEN");

    expect(exposed(plan)).toHaveLength(1);
    const finding = exposed(plan)[0]!;
    expect(finding).toMatchObject({ id: "exposed:circleci:context:aws-prod", severity: "critical", credential: "circleci:context:aws-prod", bound: false });
    expect(finding.nextStep).toContain(`POST https://circleci.com/api/v2/context/${world.circleci.contexts.find((c) => c.name === "aws-prod")!.id}/restrictions`);
    expect(finding.nextStep).toContain('"restriction_type":"project"');
    expect(plan.summary.exposed).toBe(1);

    // Paged: prod-deploy's two restrictions took two requests at one per page.
    const prodId = world.circleci.contexts.find((c) => c.name === "prod-deploy")!.id;
    const prodReads = sandbox.log.entries.filter((e) => e.route === "context.restrictions.list" && e.path.includes(prodId));
    expect(prodReads).toHaveLength(2);
  });

  it("flags an expression restriction without the SSH guard as weaker, naming the exact replacement", async () => {
    const weak = sandbox.circleci.state.addRestriction("aws-prod", { type: "expression", value: 'pipeline.git.branch == "main"' });
    try {
      const plan = await (await open()).plan();
      expect(exposureOf(plan, "aws-prod")?.level).toBe("ssh-rerun");
      const finding = exposed(plan)[0]!;
      expect(finding.severity).toBe("warning");
      expect(finding.message).toContain("SSH rerun");
      expect(finding.nextStep).toContain(JSON.stringify({ restriction_type: "expression", restriction_value: '(pipeline.git.branch == "main") and not job.ssh.enabled' }));
      expect(finding.nextStep).toContain(`/restrictions/${weak.id}`);
    } finally {
      const context = sandbox.circleci.state.context("aws-prod")!;
      context.restrictions.splice(context.restrictions.indexOf(weak), 1);
    }
  });

  it.each([
    ["refused (403)", { failTimes: 1_000, failStatus: 403 }],
    ["missing (404, as on a CircleCI server without the endpoint)", { failTimes: 1_000, failStatus: 404 }],
  ])("a restrictions read that is %s makes exposure unknown, never restricted, and says so", async (_label, knobs) => {
    sandbox.circleci.faults.set("context.restrictions.list", knobs);
    const watchdog = await open();
    const plan = await watchdog.plan();
    expect(exposed(plan)).toEqual([]);
    for (const entry of plan.exposure ?? []) {
      expect(entry.level).toBe("unknown");
      expect(entry.problem).toMatch(/restrictions could not be read: .*\b(403|404)\b/);
    }
    expect(exposureOf(plan, "aws-prod")?.level).toBe("unknown");
    // The variables were read: the rest of the plan stands, and nothing else is held back.
    expect(plan.complete).toBe(true);
    const html = renderReport({ plan, audit: [], now });
    expect(html).toContain("unknown (restrictions unreadable)");
    expect(html).not.toContain("every project (no restriction)");
  });

  it("inventory.exposure: ignore reads no restrictions and reports no exposure", async () => {
    sandbox.log.clear();
    const plan = await (await open("ignore")).plan();
    expect(sandbox.log.count((e) => e.route === "context.restrictions.list")).toBe(0);
    expect(plan.exposure).toBeUndefined();
    expect(exposed(plan)).toEqual([]);
    expect(plan.summary.exposed).toBe(0);
  });

  it("alerts once per exposed context, again when its exposure changes, and resolves once restricted", async () => {
    const stateDir = join(dir, "alerts-state");
    const run = async () => (await open(undefined, stateDir)).run({ dryRun: false, actor: "test" });
    const exposedAlerts = (report: Awaited<ReturnType<typeof run>>) => report.alerts.raised.filter((a) => a.kind === "exposed");

    const first = await run();
    expect(exposedAlerts(first)).toHaveLength(1);
    expect(exposedAlerts(first)[0]).toMatchObject({ credential: "circleci:context:aws-prod", severity: "critical" });
    expect(exposedAlerts(first)[0]!.title).toContain("usable by every project");
    const received = sandbox.receiver.received.filter((h) => JSON.parse(h.rawBody).data?.kind === "exposed");
    expect(received).toHaveLength(1);

    expect(exposedAlerts(await run())).toEqual([]);

    const weak = sandbox.circleci.state.addRestriction("aws-prod", { type: "expression", value: 'pipeline.git.branch == "main"' });
    const changed = await run();
    expect(exposedAlerts(changed)).toHaveLength(1);
    expect(exposedAlerts(changed)[0]!.title).toContain("SSH reruns");

    weak.value = 'pipeline.git.branch == "main" and not job.ssh.enabled';
    const fixed = await run();
    expect(fixed.alerts.raised.filter((a) => a.credential === "circleci:context:aws-prod").map((a) => a.kind)).toEqual(["resolved"]);
    const context = sandbox.circleci.state.context("aws-prod")!;
    context.restrictions.splice(context.restrictions.indexOf(weak), 1);
  });
});
