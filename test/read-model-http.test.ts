import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit, type Timer } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inventoryHandler } from "../functions/http-inventory.js";
import { planHandler } from "../functions/http-plan.js";
import { doctorHandler } from "../functions/http-doctor.js";
import { healthHandler } from "../functions/http-health.js";
import { reportHandler } from "../functions/http-report.js";
import { watchdogTimer } from "../functions/timer.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { loadRead, readPointer } from "#shared/engine/read-model/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { principalWith } from "./support/principals.js";

// GET /api/plan, /api/inventory and /api/report as the host calls them, after a timer cycle with state in Azurite:
// answered from the stored cycle with zero requests to the emulators; ?refresh=true shared and rate-limited; only
// readers may read when App Service authentication is on.

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const readers = { plan: planHandler, inventory: inventoryHandler, report: reportHandler, health: healthHandler, doctor: doctorHandler } satisfies Record<string, HttpHandler>;
type Reader = keyof typeof readers;

let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let canaries: string[];
let dir: string;
const logs: string[] = [];
const answers: HttpResponseInit[] = [];

function get(reader: Reader, options: { query?: string; principal?: string } = {}): HttpRequest {
  return new HttpRequest({
    method: "GET",
    url: `https://watchdog.example/api/${reader}${options.query ?? ""}`,
    headers: options.principal ? { "x-ms-client-principal": options.principal } : {},
  });
}

async function call(reader: Reader, options: { query?: string; principal?: string } = {}): Promise<{ status: number; json: Record<string, unknown>; body: string }> {
  const context = new InvocationContext({ invocationId: `test-${reader}`, functionName: reader, logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });
  const answer = await readers[reader](get(reader, options), context);
  answers.push(answer);
  return { status: answer.status ?? 200, json: (answer.jsonBody ?? {}) as Record<string, unknown>, body: typeof answer.body === "string" ? answer.body : "" };
}

const takenAtOf = (answer: { json: Record<string, unknown>; body: string }, reader: Reader) =>
  reader === "report" ? /Inventory taken <time datetime="([^"]+)"/.exec(answer.body)?.[1] : answer.json.takenAt;

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  azurite = await startAzurite();
  dir = mkdtempSync(join(tmpdir(), "watchdog-read-model-"));
  writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: azurite.connectionString });
  delete process.env.WEBSITE_AUTH_ENABLED;
  delete process.env.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS;
  store = createAzureStateStore({ connectionString: azurite.connectionString });
  canaries = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString]);
});
afterAll(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  delete process.env.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS;
  await sandbox?.close();
  await azurite?.stop();
});
afterEach(() => {
  delete process.env.WEBSITE_AUTH_ENABLED;
});

describe("reads served from the stored cycle", () => {
  let cycleTakenAt: string;

  it("after a timer cycle, each GET answers with the cycle's takenAt and makes no request to CircleCI, Graph or Key Vault", async () => {
    const before = Date.now();
    await watchdogTimer(timer, new InvocationContext({ invocationId: "t", functionName: "watchdog", logHandler: () => undefined }));
    const pointer = await readPointer(store);
    expect(pointer.kind).toBe("found");
    if (pointer.kind !== "found") return;
    expect(pointer.pointer).toMatchObject({ origin: "cycle", complete: true });
    cycleTakenAt = pointer.pointer.takenAt;
    expect(Date.parse(cycleTakenAt)).toBeGreaterThanOrEqual(before);
    const stored = await loadRead(store, ["result"]);
    expect(stored.kind === "found" && stored.read.parts.result?.actor).toBe("timer");

    sandbox.log.clear();
    for (const reader of ["plan", "inventory", "report"] as const) {
      const answer = await call(reader);
      expect(answer.status, reader).toBe(200);
      expect(takenAtOf(answer, reader), reader).toBe(cycleTakenAt);
    }
    expect(sandbox.log.entries).toEqual([]);

    const plan = await call("plan");
    expect(plan.json).toMatchObject({ complete: true, read: { origin: "cycle" } });
    const findings = (plan.json.findings as Array<{ id: string }>).map((f) => f.id);
    expect(findings).toContain("expiring:data-pipeline");
    // The stored plan is the world as re-read after the cycle acted: staging-deploy was rotated, so no longer expiring.
    expect(findings).not.toContain("expiring:staging-deploy");
    const inventory = await call("inventory");
    expect(inventory.json).toMatchObject({ takenAt: cycleTakenAt, complete: true, read: { origin: "cycle" } });
    expect((inventory.json.entra as { apps: unknown[] }).apps).toHaveLength(8);
    const report = await call("report");
    expect(report.body).toContain("by the watchdog cycle · inventory complete");
    expect(sandbox.log.entries).toEqual([]);
  });

  it("?refresh=true within the minimum interval (default 300 s) answers from the cycle, without a request", async () => {
    sandbox.log.clear();
    const answer = await call("plan", { query: "?refresh=true" });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ takenAt: cycleTakenAt, read: { origin: "cycle", refresh: "too-soon" } });
    expect(sandbox.log.entries).toEqual([]);
  });

  it("concurrent ?refresh=true requests make one inventory and all answer its takenAt", async () => {
    process.env.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS = "0";
    try {
      // What one inventory asks of the emulators.
      sandbox.log.clear();
      const single = await call("inventory", { query: "?refresh=true" });
      expect(single.json).toMatchObject({ read: { origin: "refresh", refresh: "ran" } });
      const oneInventory = sandbox.log.entries.map((e) => `${e.emulator} ${e.method} ${e.path}`).sort();
      expect(oneInventory.length).toBeGreaterThan(5);

      sandbox.log.clear();
      const concurrent = await Promise.all((["plan", "inventory", "report", "plan", "inventory", "report"] as const).map((reader) => call(reader, { query: "?refresh=true" }).then((a) => ({ reader, ...a }))));
      expect(concurrent.map((a) => a.status)).toEqual(Array(6).fill(200));
      expect(sandbox.log.entries.map((e) => `${e.emulator} ${e.method} ${e.path}`).sort()).toEqual(oneInventory);
      const takenAts = new Set(concurrent.map((a) => takenAtOf(a, a.reader)));
      expect(takenAts.size).toBe(1);
      expect(Date.parse([...takenAts][0] as string)).toBeGreaterThan(Date.parse(cycleTakenAt));
      expect(concurrent.filter((a) => a.reader === "plan").map((a) => (a.json.read as { refresh: string }).refresh).sort()).toEqual(expect.arrayContaining(["shared"]));

      sandbox.log.clear();
      expect((await call("plan")).json.takenAt).toBe([...takenAts][0]);
      expect(sandbox.log.entries).toEqual([]);
    } finally {
      delete process.env.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS;
    }
  });

  it("a fresh deployment (nothing stored yet): the first request reads the world, the next ones do not", async () => {
    // A fresh deployment: its own, empty storage account.
    const saved = process.env.AzureWebJobsStorage;
    const fresh = await startAzurite();
    process.env.AzureWebJobsStorage = fresh.connectionString;
    try {
      sandbox.log.clear();
      const first = await call("report");
      expect(first.status).toBe(200);
      expect(first.body).toContain("by a refresh");
      expect(sandbox.log.entries.length).toBeGreaterThan(5);
      sandbox.log.clear();
      const second = await call("plan");
      expect(second.json).toMatchObject({ read: { origin: "refresh" } });
      expect(second.json.read).not.toHaveProperty("refresh");
      expect(sandbox.log.entries).toEqual([]);
      expect((await readPointer(createAzureStateStore({ connectionString: fresh.connectionString }))).kind).toBe("found");
    } finally {
      process.env.AzureWebJobsStorage = saved;
      await fresh.stop();
    }
  });

  it("?refresh takes true or false only, and no other parameter: 400 naming what is allowed", async () => {
    for (const query of ["?refresh=yes", "?refresh=true&refresh=true", "?Refresh=true", "?since=1h"]) {
      for (const reader of ["plan", "inventory", "report"] as const) {
        const answer = await call(reader, { query });
        expect(answer.status, `${reader}${query}`).toBe(400);
        expect(answer.json.error).toMatchObject({ code: "invalid-query" });
      }
    }
    expect((await call("plan", { query: "?refresh=false&code=function-key" })).status).toBe(200);
  });
});

describe("only readers may read (App Service authentication on)", () => {
  it("401 without a principal, 403 without Watchdog.Read or Watchdog.Rotate, 400 for a forged header — and no request anywhere", async () => {
    process.env.WEBSITE_AUTH_ENABLED = "True";
    sandbox.log.clear();
    for (const reader of ["plan", "inventory", "report", "health", "doctor"] as const) {
      const anonymous = await call(reader);
      expect(anonymous.status).toBe(401);
      expect(anonymous.json.error).toMatchObject({ code: "unauthenticated" });
      for (const roles of [[], ["watchdog.read"], ["Watchdog.Reader"], ["Watchdog.Read "]]) {
        const denied = await call(reader, { principal: principalWith(roles.map((val) => ({ typ: "roles", val }))) });
        expect(denied.status).toBe(403);
        expect(denied.json.error).toMatchObject({ code: "forbidden", message: expect.stringContaining("Watchdog.Read (or Watchdog.Rotate") });
      }
      // The role under a claim type that is neither "roles" nor the principal's role_typ does not count.
      expect((await call(reader, { principal: principalWith([{ typ: "groups", val: "Watchdog.Read" }]) })).status).toBe(403);
      const forged = await call(reader, { principal: "not base64!" });
      expect(forged.status).toBe(400);
      expect(forged.json.error).toMatchObject({ code: "invalid-principal" });
      // Who may not read learns nothing of the query either: the principal is checked first.
      expect((await call(reader, { query: "?refresh=maybe" })).status).toBe(401);
    }
    expect(sandbox.log.entries).toEqual([]);
  });

  it("Watchdog.Read reads, and Watchdog.Rotate implies it", async () => {
    process.env.WEBSITE_AUTH_ENABLED = "True";
    for (const role of ["Watchdog.Read", "Watchdog.Rotate"]) {
      for (const reader of ["plan", "inventory", "report", "health"] as const) {
        const answer = await call(reader, { principal: principalWith([{ typ: "roles", val: role }]) });
        expect(answer.status, `${reader} as ${role}`).toBe(200);
      }
    }
  });

  it("with authentication off, the function key alone: a forged principal header is ignored", async () => {
    for (const reader of ["plan", "inventory", "report"] as const) {
      expect((await call(reader, { principal: "not base64!" })).status).toBe(200);
    }
  });
});

describe("nothing secret", () => {
  it("no secret value in the stored read, an answer or a log", async () => {
    const records = await store.list<unknown>("reads");
    const decoded = await loadRead(store, ["snapshot", "plan", "progress", "result"]);
    expect(decoded.kind).toBe("found");
    const text = JSON.stringify(records) + JSON.stringify(decoded) + JSON.stringify(answers) + logs.join("\n");
    expect(leakedSecrets(text, canaries)).toEqual([]);
  });
});
