/**
 * GET /api/report end to end: the real handler, over the sandbox's emulators seeded with the demo world,
 * with nothing but the settings a Function App would have. Its answer is served as it stands (headers and
 * body) to real Chromium, and the demo world's secret values are the canaries.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportHandler, reportRegistration } from "../functions/http-report.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { sharedAzurite } from "./support/azurite.js";
import { reportHeaderPolicy } from "#shared/report/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { launchChromium, servePage } from "./support/browser.js";
import { expectCleanLoad, readMarks, readRows, type MarkOnScreen, type RowOnScreen } from "./support/report-page.js";

const screenshotPath = resolve("test-artifacts", "report.png");

/** Every secret value the demo world holds: none may appear in the page or its headers. */
function canaries(world: WorldSpec, sandbox: Sandbox): string[] {
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  // Ids (client/tenant/subscription), URLs and short plain words stored as variables are not secret.
  const secretLike = (value: string) => value.length >= 12 && !guid.test(value) && !value.startsWith("https://");
  return [
    ...world.entra.applications.flatMap((app) => app.passwordCredentials.map((p) => p.secretText)),
    ...world.circleci.contexts.flatMap((context) => context.variables.map((v) => v.value)).filter(secretLike),
    ...world.circleci.projects.flatMap((project) => project.variables.map((v) => v.value)).filter(secretLike),
    ...world.keyVault.secrets.flatMap((secret) => secret.versions.map((v) => v.value)),
    world.circleci.token,
    world.entra.managedIdentity.identityHeader,
    sandbox.signingSecret,
  ];
}

function headersOf(response: HttpResponseInit): Record<string, string> {
  return Object.fromEntries(new Headers(response.headers).entries());
}

async function callReport(): Promise<HttpResponseInit> {
  return reportHandler(new HttpRequest({ method: "GET", url: "http://localhost:7071/api/report" }), new InvocationContext({ functionName: "report" }));
}

describe("GET /api/report over the demo world", () => {
  const now = new Date();
  const world = demoWorld(now);
  const savedEnv = { ...process.env };
  let sandbox: Sandbox;
  let dir: string;
  let response: HttpResponseInit;
  let body: string;

  beforeAll(async () => {
    sandbox = await startSandbox(world);
    dir = await mkdtemp(join(tmpdir(), "watchdog-report-"));
    const policy = join(dir, "watchdog.policy.yaml");
    await writeFile(policy, demoPolicyYaml);
    // The handler reads process.env, as in a Function App; DefaultAzureCredential reads IDENTITY_ENDPOINT there too.
    // A Function App keeps its state in AzureWebJobsStorage (never a local file).
    const storage = (await sharedAzurite()).connectionString;
    Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: policy, AzureWebJobsStorage: storage });
    const state = createAzureStateStore({ connectionString: storage });
    await state.appendAudit({ at: new Date(now.getTime() - 7_200_000).toISOString(), event: "alert.sent", actor: "timer", subject: "staging-deploy", details: { webhook: "ops", threshold: 7 } });
    await state.appendAudit({ at: new Date(now.getTime() - 3_600_000).toISOString(), event: "rotation.minted", actor: "cli:alice", subject: "prod-deploy", details: { rotationId: "r-20260301" } });
    response = await callReport();
    body = typeof response.body === "string" ? response.body : "";
  });

  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is registered as GET /api/report with function-level auth", () => {
    expect(reportRegistration).toMatchObject({ methods: ["GET"], route: "report", authLevel: "function" });
  });

  it("answers 200 with an HTML page and the CSP header", () => {
    expect(response.status).toBe(200);
    const headers = headersOf(response);
    expect(headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(headers["content-security-policy"]).toBe(reportHeaderPolicy);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(body).toMatch(/^<!DOCTYPE html>/);
    const bytes = Buffer.byteLength(body, "utf8");
    console.info(`status page of the demo world: ${bytes} bytes`);
    expect(bytes).toBeLessThan(100_000);
  });

  it("shows the demo estate and the audit log", () => {
    for (const name of ["prod-deploy", "staging-deploy", "data-pipeline", "legacy-reports", "ci-deploy-prod", "cci-prod-deploy", "DOCKER_PASSWORD", "gh/acme/api"]) {
      expect(body, name).toContain(name);
    }
    expect(body).toContain("rotation.minted");
    expect(body).toContain("cli:alice");
  });

  it("contains no secret value of the world, in the body or the headers", () => {
    const everything = `${body}\n${JSON.stringify(headersOf(response))}`;
    const values = canaries(world, sandbox);
    expect(values.length).toBeGreaterThan(30);
    for (const value of values) expect(everything.includes(value), "a secret value reached the page").toBe(false);
  });

  it("loads cleanly in Chromium under its own headers, with a mark for every credential that expires within 90 days", async () => {
    const browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    const site = await servePage({ status: response.status, headers: headersOf(response), body });
    try {
      const visit = await browser.visit(site.url);
      expectCleanLoad(visit, site);
      expect(visit.dialogs).toEqual([]);
      const marks = (await visit.page.evaluate(readMarks)) as MarkOnScreen[];
      const titles = marks.map((m) => m.title);
      for (const label of ["prod-deploy", "staging-deploy", "data-pipeline", "legacy-reports", "marketing-site-deployer secret", "monitoring-exporter secret", "backup-runner certificate"]) {
        expect(titles.filter((t) => t.startsWith(`${label}: `)), label).toHaveLength(1);
      }
      expect(titles.some((t) => t.startsWith("terraform-ci secret: ")), "200 days left is off the chart").toBe(false);
      const rows = (await visit.page.evaluate(readRows)) as RowOnScreen[];
      expect(rows[0]?.status).toBe("Expired");
      const text = (await visit.page.evaluate(`document.body.innerText`)) as string;
      for (const value of canaries(world, sandbox)) expect(text.includes(value)).toBe(false);
      await mkdir(resolve("test-artifacts"), { recursive: true });
      await visit.page.screenshot({ path: screenshotPath, fullPage: true });
    } finally {
      await browser.close();
      await site.close();
    }
  });

  it("answers a JSON error, and no page, when the settings are wrong", async () => {
    const orgId = process.env.CIRCLECI_ORG_ID;
    delete process.env.CIRCLECI_ORG_ID;
    try {
      const failed = await callReport();
      expect(failed.status).toBe(500);
      expect(failed.body).toBeUndefined();
      expect(failed.jsonBody).toMatchObject({ error: { code: "invalid-settings" } });
    } finally {
      process.env.CIRCLECI_ORG_ID = orgId;
    }
  });
});
