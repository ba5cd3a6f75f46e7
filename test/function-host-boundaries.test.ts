// What changes when the app is built for Azure Functions (the entry point says so, not the environment): state only
// in AzureWebJobsStorage, never a local file; no alert to loopback, which is the host's own services there.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { planHandler } from "../functions/http-plan.js";
import { timerRegistration, watchdogTimer } from "../functions/timer.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { sharedAzurite, type Azurite } from "./support/azurite.js";
import { runBuiltCli } from "./support/cli.js";

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const context = (functionName: string) => new InvocationContext({ invocationId: `test-${functionName}`, functionName });
const storageSettings = ["AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__blobServiceUri"];

let sandbox: Sandbox;
let azurite: Azurite;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sandbox = await startSandbox(demoWorld(new Date()));
  azurite = await sharedAzurite();
  dir = mkdtempSync(join(tmpdir(), "watchdog-host-"));
  writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml") });
});
afterAll(async () => {
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await sandbox?.close();
});
afterEach(() => {
  for (const name of storageSettings) delete process.env[name];
});

describe("state inside Azure Functions", () => {
  const cases: Array<{ label: string; settings: Record<string, string>; names: RegExp }> = [
    { label: "no storage setting at all", settings: {}, names: /AzureWebJobsStorage: required inside Azure Functions/ },
    {
      // Settings the Functions host itself accepts for blobs and queues: no table endpoint, and none is guessed from them.
      label: "identity-based blob and queue URIs without a table endpoint",
      settings: { AzureWebJobsStorage__blobServiceUri: "https://acme.blob.core.windows.net", AzureWebJobsStorage__queueServiceUri: "https://acme.queue.core.windows.net" },
      names: /AzureWebJobsStorage__tableServiceUri: required with AzureWebJobsStorage__blobServiceUri, AzureWebJobsStorage__queueServiceUri/,
    },
  ];
  for (const { label, settings, names } of cases) {
    it(`${label}: every function entry refuses with a settings error naming what is missing, and no local state is written`, async () => {
      const stateDir = join(dir, `state-${Object.keys(settings).length}`);
      Object.assign(process.env, settings, { WATCHDOG_STATE_DIR: stateDir });
      sandbox.log.clear();
      const plan = await planHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/plan" }), context("plan"));
      expect(plan.status).toBe(500);
      expect(JSON.stringify(plan.jsonBody)).toMatch(names);
      await expect(watchdogTimer(timer, context("watchdog"))).rejects.toThrow(names);
      expect(existsSync(stateDir)).toBe(false);
      expect(sandbox.log.entries).toEqual([]);
    });
  }

  it("the command line keeps its local store, and refuses the same partial identity settings rather than guess", async () => {
    const env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "cli-state") };
    const partial = await runBuiltCli(["plan"], { ...env, AzureWebJobsStorage__blobServiceUri: "https://acme.blob.core.windows.net" });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain("AzureWebJobsStorage__tableServiceUri: required with AzureWebJobsStorage__blobServiceUri");
    const local = await runBuiltCli(["plan", "--json"], env);
    expect(local.code, local.stderr).toBe(0);
  });
});

describe("alerts inside Azure Functions", () => {
  it("a receiver whose name resolves to loopback (localhost) is refused at send time from a Function App; the command line reaches it, signed", async () => {
    const port = new URL(sandbox.receiver.urlFor("generic", "ops")).port;
    const policy = join(dir, "localhost-policy.yaml");
    writeFileSync(
      policy,
      demoPolicyYaml.replace(/alerts:\n(?:.*\n)*?credentials:\n/, `alerts:\n  webhooks:\n    - name: ops\n      kind: generic\n      url: https://localhost:${port}/generic/ops\n      signingSecret: \${OPS_WEBHOOK_SECRET}\ncredentials:\n`),
    );
    expect(timerRegistration.handler).toBe(watchdogTimer);
    Object.assign(process.env, { WATCHDOG_POLICY: policy, AzureWebJobsStorage: azurite.connectionString });
    try {
      await watchdogTimer(timer, context("watchdog"));
    } finally {
      process.env.WATCHDOG_POLICY = join(dir, "policy.yaml");
    }
    expect(sandbox.receiver.received).toEqual([]);
    const audit = await createAzureStateStore({ connectionString: azurite.connectionString }).listAudit();
    const failed = audit.filter((e) => e.event === "alert.failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const entry of failed) expect(entry.details).toMatchObject({ retryable: false, error: expect.stringContaining("refused: localhost resolves to a loopback address") });

    const cli = await runBuiltCli(["run"], { ...sandbox.env, WATCHDOG_POLICY: policy, WATCHDOG_STATE_DIR: join(dir, "cli-alerts") });
    expect(cli.code, cli.stderr).toBe(0);
    expect(sandbox.receiver.received.length).toBeGreaterThan(0);
    const verifier = new Webhook(sandbox.signingSecret);
    for (const hook of sandbox.receiver.received) verifier.verify(hook.rawBody, hook.headers as Record<string, string>);
  });
});
