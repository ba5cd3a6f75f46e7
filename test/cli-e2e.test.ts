import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { runBuiltCli, type CliRun } from "./support/cli.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";

// The CLI as a user runs it: `dist/cli.js` in a child process, configured only by its environment.
describe("watchdog CLI against the sandbox world", () => {
  const now = new Date();
  let world: WorldSpec;
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  let secrets: string[];
  const outputs: CliRun[] = [];

  const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const run = await runBuiltCli(args, { ...env, ...extraEnv });
    outputs.push(run);
    return run;
  };
  const writes = () => sandbox.log.entries.filter((e) => e.method !== "GET" && !(e.emulator === "entra" && e.path.endsWith("/token")));

  beforeAll(async () => {
    world = demoWorld(now);
    sandbox = await startSandbox(world, { circlePageSize: 4, graphPageSize: 3, vaultPageSize: 2 });
    dir = mkdtempSync(join(tmpdir(), "watchdog-cli-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    secrets = secretValuesOf(world, [sandbox.signingSecret, ...webhookUrlsOf(sandbox.env), new URL(sandbox.env.SLACK_WEBHOOK_URL!).pathname.split("/").pop()!]);
  });
  afterAll(() => sandbox.close());

  it("plan --json prints a plan valid against the published schema, with the seeded day counts, and writes nothing", async () => {
    sandbox.log.clear();
    const run = await cli(["plan", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { findings: Array<{ id: string; daysLeft?: number; kind: string }>; steps: Array<{ kind: string; credential: string }>; complete: boolean };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync("schemas/plan.schema.json", "utf8")) as object);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(plan.complete).toBe(true);
    const days = Object.fromEntries(plan.findings.filter((f) => f.daysLeft !== undefined).map((f) => [f.id, f.daysLeft]));
    expect(days).toMatchObject({
      "expiring:prod-deploy": 10,
      "expiring:staging-deploy": 3,
      "expiring:data-pipeline": 25,
      "expired:legacy-reports": -6,
    });
    expect(days[`expired:entra:${demoIds.apps.marketingSite}:${world.entra.applications.find((a) => a.appId === demoIds.apps.marketingSite)!.passwordCredentials[0]!.keyId}`]).toBe(-32);
    expect(plan.steps.map((s) => `${s.kind} ${s.credential}`).sort()).toEqual(["migrate terraform", "rotate prod-deploy", "rotate staging-deploy"]);
    // Paging was exercised on every API (small page sizes) and nothing was written anywhere.
    expect(sandbox.log.count((e) => e.route === "context.list")).toBeGreaterThan(1);
    expect(writes()).toEqual([]);
  });

  it("run rotates what is due, delivers each alert once to the generic sink, signed, one baseline digest to each chat sink, and a second run (a new process on the same state) sends nothing again", async () => {
    const first = await cli(["run"]);
    expect(first.code, first.stderr).toBe(0);
    const received = sandbox.receiver.received.length;
    const generic = sandbox.receiver.received.filter((h) => h.kind === "generic");
    expect(generic.length).toBeGreaterThan(5);
    // The first cycle against the organization: people get one announcement per chat sink, machines every event.
    const slack = sandbox.receiver.received.filter((h) => h.kind === "slack");
    expect(slack).toHaveLength(1);
    expect((slack[0]!.body as { text: string }).text).toMatch(/^secret-watchdog is now watching \d+ credentials: \d+ expired, \d+ expiring, \d+ long-lived — here is the plan/);
    expect(sandbox.receiver.received.filter((h) => h.kind === "teams")).toHaveLength(1);
    expect(received).toBe(generic.length + 2);
    const verifier = new Webhook(sandbox.signingSecret);
    for (const hook of generic) expect(() => verifier.verify(hook.rawBody, hook.headers as Record<string, string>)).not.toThrow();
    const titles = generic.map((h) => (h.body as { data: { title: string } }).data.title);
    expect(titles).toContain("data-pipeline: client secret expires in 25 days (within 30 days)");
    // prod-deploy was due (10 days left < rotateBeforeDays 14): rotated before alerting, so no "expiring" alert for it.
    expect(titles.filter((t) => t.startsWith("prod-deploy: client secret"))).toEqual([]);
    expect(first.stdout).toMatch(/prod-deploy: rotation \S+ is pushed/);
    expect(new Set(generic.map((h) => h.headers["webhook-id"])).size).toBe(generic.length);
    expect(first.stdout).toContain(`ALERTS: ${generic.length} raised, ${received} delivered`);
    expect(first.stdout).toContain("first cycle: chat sinks get one baseline digest");

    const second = await cli(["run"]);
    expect(second.code, second.stderr).toBe(0);
    expect(sandbox.receiver.received.length).toBe(received);
    expect(second.stdout).toContain("ALERTS: 0 raised, 0 delivered");
  });

  it("run --json prints a cycle report valid against the published schema (after rotations ran in the first run)", async () => {
    const run = await cli(["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { rotations: Array<{ credential: string; state: string }>; dryRun: boolean };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync("schemas/cycle-report.schema.json", "utf8")) as object);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    // Both rotations were pushed by the first run and now wait for their 24 h overlap.
    expect(report.rotations.map((r) => `${r.credential} ${r.state}`).sort()).toEqual(["prod-deploy pushed", "staging-deploy pushed"]);
  });

  it("inventory --json lists what was found, metadata only", async () => {
    const run = await cli(["inventory", "--json"]);
    expect(run.code).toBe(0);
    const snapshot = JSON.parse(run.stdout) as { circleci: { contexts: unknown[]; variables: unknown[] }; entra: { apps: unknown[] }; keyVault: { secrets: unknown[] } };
    expect(snapshot.circleci.contexts).toHaveLength(world.circleci.contexts.length);
    // The seeded variables, plus AZURE_CLIENT_ID and AZURE_TENANT_ID that the first run's OIDC migration set in context terraform.
    expect(snapshot.circleci.variables).toHaveLength(world.circleci.contexts.reduce((n, c) => n + c.variables.length, 0) + 5 + 2);
    expect(snapshot.entra.apps).toHaveLength(world.entra.applications.length);
    expect(snapshot.keyVault.secrets).toHaveLength(world.keyVault.secrets.length);
  });

  it("plan, inventory and report --cached read the last run's stored cycle: no request, its takenAt; without --cached they read live", async () => {
    sandbox.log.clear();
    const plan = await cli(["plan", "--cached", "--json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const stored = JSON.parse(plan.stdout) as { takenAt: string; complete: boolean; read: { origin: string } };
    expect(stored).toMatchObject({ complete: true, read: { origin: "cycle" } });
    const validate = (() => {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      return ajv.compile(JSON.parse(readFileSync("schemas/plan.schema.json", "utf8")) as object);
    })();
    expect(validate(stored), JSON.stringify(validate.errors)).toBe(true);
    const inventory = await cli(["inventory", "--cached", "--json"]);
    expect(JSON.parse(inventory.stdout)).toMatchObject({ takenAt: stored.takenAt, complete: true });
    const text = await cli(["plan", "--cached"]);
    expect(text.stdout).toContain(`Stored read: sources read at ${stored.takenAt} by the last cycle`);
    const page = await cli(["report", "--cached"]);
    expect(page.stdout).toContain(`Inventory taken <time datetime="${stored.takenAt}">`);
    expect(sandbox.log.entries).toEqual([]);

    const live = await cli(["plan", "--json"]);
    expect(live.code).toBe(0);
    expect(sandbox.log.count((e) => e.route === "context.list")).toBeGreaterThan(0);
  });

  it("a bad policy exits 2 naming each path, and makes no request at all", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, demoPolicyYaml.replace("validityDays: 90", 'validityDays: "ninety"').replace("maxAgeDays: 90", "maxAgeDays: 90\n  colour: blue"));
    sandbox.log.clear();
    const run = await cli(["run"], { WATCHDOG_POLICY: bad });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("credentials[0].rotation.validityDays: expected a number");
    expect(run.stderr).toContain(`inventory: unknown key "colour"`);
    expect(sandbox.log.entries).toEqual([]);
    const check = await cli(["check-policy", bad]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain("credentials[0].rotation.validityDays");
  });

  it("two credentials sharing one Key Vault secret: exit 2 naming both paths, and no request (issue 10 item 3)", async () => {
    const shared = join(dir, "shared-secret.yaml");
    // staging-deploy takes prod-deploy's secret (cci-prod-deploy in the demo policy), in other letter case.
    writeFileSync(shared, demoPolicyYaml.replace("rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }\n  - name: data-pipeline", "rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }\n    keyVault: { secretName: CCI-Prod-Deploy }\n  - name: data-pipeline"));
    sandbox.log.clear();
    for (const args of [["check-policy", shared], ["run"]]) {
      const run = await cli(args, { WATCHDOG_POLICY: shared });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain('credentials[1].keyVault.secretName: Key Vault secret "cci-prod-deploy" is also credentials[0].keyVault.secretName');
    }
    expect(sandbox.log.entries).toEqual([]);
  });

  it("bad settings exit 2 naming the setting without echoing its value, and make no request", async () => {
    sandbox.log.clear();
    const wrongOrg = await cli(["plan"], { CIRCLECI_ORG_ID: "acme-not-a-uuid-canary" });
    expect(wrongOrg.code).toBe(2);
    expect(wrongOrg.stderr).toContain("CIRCLECI_ORG_ID: expected a UUID");
    expect(wrongOrg.stderr).not.toContain("acme-not-a-uuid-canary");
    const noVault = await cli(["plan"], { KEY_VAULT_URL: "" });
    expect(noVault.code).toBe(2);
    expect(noVault.stderr).toContain("KEY_VAULT_URL: required because a credential has action: rotate");
    const badArgs = await cli(["plan", "--no-such-flag"]);
    expect(badArgs.code).toBe(2);
    expect(sandbox.log.entries).toEqual([]);
  });

  it("check-policy accepts the demo policy", async () => {
    const run = await cli(["check-policy"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("valid — 5 credentials, 3 webhooks");
  });

  it("run --no-baseline on a first cycle (fresh state) announces no baseline: chat sinks get the ordinary digest", async () => {
    sandbox.receiver.clear();
    const run = await cli(["run", "--no-baseline", "--json"], { WATCHDOG_STATE_DIR: join(dir, "state-no-baseline") });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { alerts: { baseline: boolean; raised: unknown[] } };
    expect(report.alerts.baseline).toBe(false);
    expect(report.alerts.raised.length).toBeGreaterThan(3);
    const slack = sandbox.receiver.accepted({ kind: "slack" });
    expect(slack).toHaveLength(1);
    expect((slack[0]!.body as { text: string }).text).toMatch(new RegExp(`^secret-watchdog: ${report.alerts.raised.length} alerts \\(`));
    expect(sandbox.receiver.accepted({ kind: "generic" })).toHaveLength(report.alerts.raised.length);
  });

  it("no secret value reached stdout, stderr or the state directory in any of the runs above", () => {
    expect(outputs.length).toBeGreaterThanOrEqual(8);
    expect(secrets.length).toBeGreaterThan(30);
    // Include the client secrets minted by the rotations these runs made.
    const minted = sandbox.directory.state.allSecretValues().filter((v) => !secrets.includes(v));
    expect(minted.length).toBeGreaterThanOrEqual(2);
    secrets.push(...minted);
    const printed = outputs.map((o) => o.stdout + o.stderr).join("\n");
    expect(leakedSecrets(printed, secrets)).toEqual([]);
    const stateDir = join(dir, "state");
    const state = readdirSync(stateDir).map((f) => readFileSync(join(stateDir, f), "utf8")).join("\n");
    expect(state.length).toBeGreaterThan(100);
    expect(leakedSecrets(state, secrets)).toEqual([]);
  });
});
