import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthHandler, healthRegistration } from "../functions/http-health.js";
import { inventoryHandler, inventoryRegistration } from "../functions/http-inventory.js";
import { doctorHandler, doctorRegistration } from "../functions/http-doctor.js";
import { planHandler, planRegistration } from "../functions/http-plan.js";
import { timerRegistration, watchdogTimer } from "../functions/timer.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

describe("Azure Functions handlers, called as the host would", () => {
  let sandbox: Sandbox;
  let azurite: Azurite;
  let secrets: string[];
  const logs: string[] = [];
  const context = (functionName: string) =>
    new InvocationContext({ invocationId: `test-${functionName}`, functionName, logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });

  beforeAll(async () => {
    const world = demoWorld(new Date());
    sandbox = await startSandbox(world);
    azurite = await startAzurite();
    const dir = mkdtempSync(join(tmpdir(), "watchdog-fn-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    // The Function App's settings: process.env is all the handlers read (DefaultAzureCredential included).
    Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: azurite.connectionString });
    secrets = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString, ...webhookUrlsOf(sandbox.env)]);
  });
  afterAll(async () => {
    await sandbox.close();
    await azurite.stop();
  });

  it("registers the timer on %WATCHDOG_SCHEDULE% without runOnStartup, and the HTTP routes with authLevel function", () => {
    expect(timerRegistration).toMatchObject({ schedule: "%WATCHDOG_SCHEDULE%", runOnStartup: false, handler: watchdogTimer });
    expect(planRegistration).toMatchObject({ route: "plan", methods: ["GET"], authLevel: "function", handler: planHandler });
    expect(inventoryRegistration).toMatchObject({ route: "inventory", methods: ["GET"], authLevel: "function", handler: inventoryHandler });
  });

  it("GET /api/plan answers the plan as JSON and GET /api/inventory the snapshot", async () => {
    const plan = await planHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/plan" }), context("plan"));
    expect(plan.status).toBe(200);
    const body = plan.jsonBody as { findings: Array<{ id: string }>; complete: boolean };
    expect(body.complete).toBe(true);
    expect(body.findings.map((f) => f.id)).toContain("expiring:prod-deploy");
    const inventory = await inventoryHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/inventory" }), context("inventory"));
    expect(inventory.status).toBe(200);
    expect((inventory.jsonBody as { entra: { apps: unknown[] } }).entra.apps).toHaveLength(8);
  });

  it("GET /api/doctor (authLevel function) answers the checks: 200 when every grant is there, 503 with the missing one and its fix", async () => {
    expect(doctorRegistration).toMatchObject({ route: "doctor", methods: ["GET"], authLevel: "function", handler: doctorHandler });
    const request = () => new HttpRequest({ method: "GET", url: "https://watchdog.example/api/doctor" });
    const healthy = await doctorHandler(request(), context("doctor"));
    expect(healthy.status).toBe(200);
    expect(healthy.jsonBody).toMatchObject({ ok: true });
    // Graph tokens are cached with the roles they were issued with: ownership is what changes at once.
    const app = sandbox.directory.state.appByAppId(demoIds.apps.deployProd)!;
    const owners = app.owners.splice(0, app.owners.length);
    try {
      const sick = await doctorHandler(request(), context("doctor"));
      expect(sick.status).toBe(503);
      const body = sick.jsonBody as { ok: boolean; checks: Array<{ need: string; status: string; fix: string }> };
      expect(body.checks.find((c) => c.need === `owner of app ${demoIds.apps.deployProd}`)).toMatchObject({ status: "missing", fix: expect.stringContaining(`az ad app owner add --id ${demoIds.apps.deployProd}`) });
    } finally {
      app.owners.push(...owners);
    }
  });

  it("the timer runs a full cycle with state in Azure Tables; alerts to a loopback receiver are kept in the outbox, never sent from a Function App", async () => {
    const neverRan = await healthHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/health" }), context("health"));
    expect(neverRan.jsonBody).toMatchObject({ status: "never-ran", lastCycle: null, schedule: "0 0 * * * *" });
    await watchdogTimer(timer, context("watchdog"));
    const health = await healthHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/health" }), context("health"));
    expect(health.status).toBe(200);
    expect(health.jsonBody).toMatchObject({ status: "healthy", lastCycle: { lastResult: "succeeded", failuresInRow: 0, inventoryComplete: true } });
    expect(healthRegistration).toMatchObject({ route: "health", methods: ["GET"], authLevel: "function", handler: healthHandler });
    expect(logs.some((l) => l.includes("watchdog cycle (timer)"))).toBe(true);
    // Inside a Function App loopback is the host's own services: the sandbox receiver (127.0.0.1) is refused.
    expect(sandbox.receiver.received).toEqual([]);

    const store = createAzureStateStore({ connectionString: azurite.connectionString });
    const audit = await store.listAudit();
    const failed = audit.filter((e) => e.event === "alert.failed");
    expect(failed.length).toBeGreaterThan(5);
    for (const entry of failed) expect(entry.details).toMatchObject({ retryable: false, error: expect.stringContaining("refused: its host is a loopback address") });
    expect(audit.filter((e) => e.event === "alert.sent")).toEqual([]);
    expect(audit.every((e) => e.actor === "timer")).toBe(true);
    expect((await store.list("outbox")).length).toBeGreaterThan(5);

    await watchdogTimer(timer, context("watchdog"));
    expect(sandbox.receiver.received).toEqual([]);
  });

  it("a misconfigured app answers 500 with the issues, and the timer fails the invocation", async () => {
    const saved = process.env.WATCHDOG_POLICY;
    process.env.WATCHDOG_POLICY = "/nonexistent/policy.yaml";
    try {
      const plan = await planHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/plan" }), context("plan"));
      expect(plan.status).toBe(500);
      expect(JSON.stringify(plan.jsonBody)).toContain("file not found");
      await expect(watchdogTimer(timer, context("watchdog"))).rejects.toThrow(/invalid policy/);
    } finally {
      process.env.WATCHDOG_POLICY = saved;
    }
  });

  it("no secret value (nor the storage connection string) reached a function log", () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(leakedSecrets(logs.join("\n"), secrets)).toEqual([]);
  });
});

describe("the bundled function entries (package.json main: dist/functions/*.js)", () => {
  it("each loads as CommonJS under plain node and registers its function with @azure/functions", async () => {
    const { spawnSync } = await import("node:child_process");
    const { readdirSync } = await import("node:fs");
    const entries = readdirSync("dist/functions").filter((f) => f.endsWith(".js"));
    expect(entries.sort()).toEqual(["http-broker-discovery.js", "http-broker-keys.js", "http-broker-token.js", "http-doctor.js", "http-health.js", "http-inventory.js", "http-plan.js", "http-report.js", "http-rotate.js", "keyvault-events.js", "queue-rotation.js", "timer.js"]);
    const registered: string[] = [];
    for (const entry of entries) {
      // Outside the host the package runs in test mode and says which registration it skipped: proof the file called it.
      // The child also lists the modules it loaded (require.cache).
      const code = `require("./dist/functions/${entry}"); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
      const result = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const match = /Skipping call to register function "([^"]+)"/.exec(result.stderr + result.stdout);
      registered.push(match?.[1] ?? `(none from ${entry})`);
      // What keeps a worker's cold start low: the host loads all six entries at start, and none of them loads the
      // app bundle (SDKs, engine, zod) until its first invocation. Outside node_modules (@azure/functions), the entry is all it loads.
      const ours = (JSON.parse(result.stdout) as string[]).map((file) => file.replaceAll("\\", "/")).filter((file) => !file.includes("/node_modules/"));
      expect(ours.map((file) => file.slice(file.lastIndexOf("/dist/")))).toEqual([`/dist/functions/${entry}`]);
    }
    expect(registered.sort()).toEqual(["brokerDiscovery", "brokerKeys", "brokerToken", "doctor", "health", "inventory", "keyVaultEvents", "plan", "report", "rotate", "rotationJobs", "watchdog"]);
  });

  it("an invoked entry loads the one app bundle in dist/app (shared by every entry) and answers through it", async () => {
    const { spawnSync } = await import("node:child_process");
    // Two entries in one process, as in a worker: both must reach the same dist/app/function-handlers.js. The plan
    // answer is a BadInputError mapped by errorResponse, both from that bundle (a copy per entry would break instanceof).
    const code = `
      const { HttpRequest, InvocationContext } = require("@azure/functions");
      const context = new InvocationContext({ invocationId: "t", functionName: "f", logHandler: () => {} });
      (async () => {
        const { planHandler } = require("./dist/functions/http-plan.js");
        const { rotateHandler } = require("./dist/functions/http-rotate.js");
        const plan = await planHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/plan" }), context);
        const rotate = await rotateHandler(new HttpRequest({ method: "POST", url: "https://watchdog.example/api/credentials/x/rotate?dryRun=maybe", params: { name: "x" } }), context);
        const apps = Object.keys(require.cache).filter((file) => file.includes("function-handlers"));
        process.stdout.write(JSON.stringify({ plan: [plan.status, plan.jsonBody.error.code], rotate: [rotate.status, rotate.jsonBody.error.code], apps }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const env = { ...process.env, WATCHDOG_POLICY: "/nonexistent/policy.yaml" };
    const result = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env });
    expect(result.status, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { plan: [number, string]; rotate: [number, string]; apps: string[] };
    expect(answer.plan).toEqual([500, "invalid-policy"]);
    expect(answer.rotate).toEqual([400, "invalid-query"]);
    expect(answer.apps).toHaveLength(1);
    expect(answer.apps[0]?.replaceAll("\\", "/")).toMatch(/\/dist\/app\/function-handlers\.js$/);
    // By require(), not a real import(): through the ESM loader, Node scans the 4 MB bundle for export names first (+~200 ms).
    const { readFileSync } = await import("node:fs");
    expect(readFileSync("dist/functions/http-plan.js", "utf8")).toContain('require("../app/function-handlers.js")');
  });
});
