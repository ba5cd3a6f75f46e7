import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inventoryHandler, inventoryRegistration } from "../functions/http-inventory.js";
import { planHandler, planRegistration } from "../functions/http-plan.js";
import { timerRegistration, watchdogTimer } from "../functions/timer.js";
import { createAzureStateStore } from "../shared/adapters/state/azure/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";

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
    secrets = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString]);
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

  it("the timer runs a full cycle with state in Azure Tables: alerts delivered once, never again on the next tick", async () => {
    await watchdogTimer(timer, context("watchdog"));
    const generic = sandbox.receiver.received.filter((h) => h.kind === "generic");
    expect(generic.length).toBeGreaterThan(5);
    const verifier = new Webhook(sandbox.signingSecret);
    for (const hook of generic) verifier.verify(hook.rawBody, hook.headers as Record<string, string>);
    expect(logs.some((l) => l.includes("watchdog cycle (timer)"))).toBe(true);

    const store = createAzureStateStore({ connectionString: azurite.connectionString });
    const audit = await store.listAudit();
    expect(audit.filter((e) => e.event === "alert.sent")).toHaveLength(sandbox.receiver.received.length);
    expect(audit.every((e) => e.actor === "timer")).toBe(true);

    const before = sandbox.receiver.received.length;
    await watchdogTimer(timer, context("watchdog"));
    expect(sandbox.receiver.received.length).toBe(before);
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
    expect(entries.sort()).toEqual(["http-inventory.js", "http-plan.js", "http-report.js", "http-rotate.js", "queue-rotation.js", "timer.js"]);
    const registered: string[] = [];
    for (const entry of entries) {
      // Outside the host the package runs in test mode and says which registration it skipped: proof the file called it.
      const result = spawnSync(process.execPath, ["-e", `require("./dist/functions/${entry}")`], { encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const match = /Skipping call to register function "([^"]+)"/.exec(result.stderr + result.stdout);
      registered.push(match?.[1] ?? `(none from ${entry})`);
    }
    expect(registered.sort()).toEqual(["inventory", "plan", "report", "rotate", "rotationJobs", "watchdog"]);
  });
});
