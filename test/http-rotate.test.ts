import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rotateHandler, rotateRegistration } from "../functions/http-rotate.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";

// POST /api/credentials/{name}/rotate, called as the host would, against the sandbox emulators with state in
// Azurite. What a user checks: the status and JSON body, the value in CircleCI that Entra accepts, Key Vault, audit.

// The demo policy plus one project-variable credential (the monitoring exporter's secret in gh/acme/api).
const policyYaml = `${demoPolicyYaml}  - name: monitoring-exporter
    circleci: { project: gh/acme/api, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.monitoringExporter} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
`;

const nameClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const roleClaim = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

/** The x-ms-client-principal App Service authentication sets for a signed-in Entra user. */
function principal(name: string, roles: string[], roleTyp = "roles"): string {
  const claims = [{ typ: nameClaim, val: name }, { typ: "aud", val: "api://watchdog" }, ...roles.map((val) => ({ typ: roleTyp, val }))];
  return Buffer.from(JSON.stringify({ auth_typ: "aad", name_typ: nameClaim, role_typ: roleClaim, claims })).toString("base64");
}

function post(name: string, options: { query?: string; principal?: string; body?: string } = {}): HttpRequest {
  return new HttpRequest({
    method: "POST",
    url: `https://watchdog.example/api/credentials/${encodeURIComponent(name)}/rotate${options.query ?? ""}`,
    params: { name },
    headers: options.principal ? { "x-ms-client-principal": options.principal } : {},
    ...(options.body !== undefined ? { body: { string: options.body } } : {}),
  });
}

let sandbox: Sandbox;
let azurite: Azurite;
let store: StateStore;
let canaries: string[];
const logs: string[] = [];
const answers: HttpResponseInit[] = [];

const context = () =>
  new InvocationContext({ invocationId: "test-rotate", functionName: "rotate", logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });

async function call(request: HttpRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await rotateHandler(request, context());
  answers.push(answer);
  return { status: answer.status ?? 200, body: answer.jsonBody as Record<string, unknown> };
}

function errorOf(body: Record<string, unknown>): { code: string; message: string; step?: string } {
  return body.error as { code: string; message: string; step?: string };
}

/** Everything CircleCI, Graph and Key Vault hold, to compare before and after. */
function worldState(): string {
  return JSON.stringify([sandbox.circleci.state.contexts, sandbox.circleci.state.projects, sandbox.directory.state.applications, sandbox.keyVault.state.liveSecrets()]);
}

/** A client-credentials token request at the Entra emulator, as a pipeline makes it with the CircleCI value. */
async function entraAccepts(appId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const form = new URLSearchParams({ client_id: appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
  const response = await fetch(`${sandbox.directory.entra.url}/${demoIds.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
  await response.arrayBuffer();
  return response.status === 200;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  azurite = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), "watchdog-http-rotate-"));
  writeFileSync(join(dir, "policy.yaml"), policyYaml);
  // The Function App's settings, before any credential object exists (MSAL caches the managed-identity endpoint).
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: azurite.connectionString });
  delete process.env.WEBSITE_AUTH_ENABLED;
  store = createAzureStateStore({ connectionString: azurite.connectionString });
  canaries = secretValuesOf(world, [sandbox.signingSecret, azurite.connectionString, ...webhookUrlsOf(sandbox.env)]);
});
afterAll(async () => {
  await sandbox?.close();
  await azurite?.stop();
});
afterEach(() => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  for (const emulator of [sandbox.directory.graph, sandbox.directory.entra, sandbox.keyVault, sandbox.circleci]) emulator.faults.clear();
});

describe("POST /api/credentials/{name}/rotate", () => {
  it("is registered on credentials/{name}/rotate, POST only, authLevel function", () => {
    expect(rotateRegistration).toMatchObject({ route: "credentials/{name}/rotate", methods: ["POST"], authLevel: "function", handler: rotateHandler });
  });

  it("?dryRun=true answers the plan and changes nothing anywhere", async () => {
    const before = worldState();
    sandbox.log.clear();
    const { status, body } = await call(post("prod-deploy", { query: "?dryRun=true", body: "{}" }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ dryRun: true, plan: { credential: "prod-deploy", state: "none", wouldDo: ["start", "mint", "store", "verify", "push"] } });
    expect(sandbox.log.entries).toEqual([]);
    expect(worldState()).toBe(before);
    expect(await store.listAudit()).toEqual([]);
  });

  it("with App Service authentication on: 401 without a principal, 403 without the role, 400 for a forged header", async () => {
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const before = worldState();
    sandbox.log.clear();
    const anonymous = await call(post("prod-deploy"));
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous.body).code).toBe("unauthenticated");
    for (const roles of [[], ["Watchdog.Read"], ["watchdog.rotate"]]) {
      const denied = await call(post("prod-deploy", { principal: principal("mallory@contoso.example", roles) }));
      expect(denied.status).toBe(403);
      expect(errorOf(denied.body)).toMatchObject({ code: "forbidden", message: expect.stringContaining("Watchdog.Rotate") });
    }
    // The role under a claim type that is neither "roles" nor the principal's role_typ does not count.
    const elsewhere = await call(post("prod-deploy", { principal: principal("mallory@contoso.example", ["Watchdog.Rotate"], "groups") }));
    expect(elsewhere.status).toBe(403);
    const forged = await call(post("prod-deploy", { principal: "not base64!" }));
    expect(forged.status).toBe(400);
    expect(errorOf(forged.body).code).toBe("invalid-principal");
    expect(sandbox.log.entries).toEqual([]);
    expect(worldState()).toBe(before);
    expect(await store.listAudit()).toEqual([]);
  });

  it("rotates prod-deploy: 202 while the overlap runs, the new value in CircleCI (Entra accepts it) and in Key Vault, the caller audited", async () => {
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const oldValue = sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET");
    // The role may also come under the principal's own role_typ.
    const { status, body } = await call(post("prod-deploy", { principal: principal("alice@contoso.example", ["Watchdog.Rotate"], roleClaim) }));
    expect(status, JSON.stringify(body)).toBe(202);
    const outcome = body.outcome as { state: string; rotationId: string; waitingUntil: string; steps: Array<{ step: string; outcome: string }> };
    expect(body.dryRun).toBe(false);
    expect(outcome.state).toBe("pushed");
    expect(outcome.steps.filter((s) => s.outcome === "done").map((s) => s.step)).toEqual(["start", "mint", "store", "verify", "push"]);
    expect(Date.parse(outcome.waitingUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);

    const newValue = sandbox.circleci.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET");
    expect(newValue).toBeDefined();
    expect(newValue).not.toBe(oldValue);
    expect(await entraAccepts(demoIds.apps.deployProd, newValue)).toBe(true);
    expect(sandbox.keyVault.state.latest("cci-prod-deploy")?.value).toBe(newValue);
    // The old secret stays valid for the overlap: pipelines running now keep working.
    expect(await entraAccepts(demoIds.apps.deployProd, oldValue)).toBe(true);

    const audit = await store.listAudit();
    const requested = audit.find((e) => e.event === "rotation.requested");
    expect(requested).toMatchObject({ actor: "http:alice@contoso.example", subject: "prod-deploy" });
    // The engine's own entries name the same caller.
    expect(audit.filter((e) => e.event === "rotation.pushed").map((e) => e.actor)).toEqual(["http:alice@contoso.example"]);

    // Asked again during the overlap: nothing new is minted, the same rotation is still waiting.
    const mints = sandbox.log.count((e) => e.route === graphRouteNames.addPassword);
    const again = await call(post("prod-deploy", { principal: principal("alice@contoso.example", ["Watchdog.Rotate"]) }));
    expect(again.status).toBe(202);
    expect((again.body.outcome as { rotationId: string }).rotationId).toBe(outcome.rotationId);
    expect(sandbox.log.count((e) => e.route === graphRouteNames.addPassword)).toBe(mints);
  });

  it("a second request while the first holds the lease gets 409 already rotating; the first finishes", async () => {
    // Graph answers addPassword slowly, so the first run holds the lease long enough to be caught at it.
    sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { latencyMs: 1_500 });
    const first = call(post("staging-deploy"));
    await waitFor(async () => (await store.get("leases", "staging-deploy")) !== null, "the first request to take the lease");
    const second = await call(post("staging-deploy"));
    expect(second.status).toBe(409);
    expect(errorOf(second.body)).toMatchObject({ code: "already-rotating", message: expect.stringMatching(/^already rotating/) });
    expect(second.body.error).toMatchObject({ heldBy: "http:function-key" });
    const done = await first;
    expect(done.status).toBe(202);
    expect(sandbox.directory.state.appByAppId(demoIds.apps.deployStaging)?.passwordCredentials.filter((p) => p.displayName?.startsWith("watchdog-rotation:"))).toHaveLength(1);
    expect(await entraAccepts(demoIds.apps.deployStaging, sandbox.circleci.state.contextValue("staging-deploy", "AZURE_CLIENT_SECRET"))).toBe(true);
    const requested = (await store.listAudit()).filter((e) => e.event === "rotation.requested" && e.subject === "staging-deploy");
    expect(requested.map((e) => e.actor)).toEqual(["http:function-key", "http:function-key"]);
  });

  it("404 for a credential not in the policy, 409 for one the watchdog does not rotate", async () => {
    const unknown = await call(post("no-such-credential"));
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body)).toMatchObject({ code: "unknown-credential", message: 'credential "no-such-credential" is not in the policy' });
    const watched = await call(post("data-pipeline"));
    expect(watched.status).toBe(409);
    expect(errorOf(watched.body).code).toBe("not-rotated");
  });

  it("502 names the failed step and its error when an upstream call fails; nothing reached CircleCI", async () => {
    sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { failTimes: 1, failStatus: 403 });
    const before = sandbox.circleci.state.projectValue("gh/acme/api", "AZURE_CLIENT_SECRET");
    const { status, body } = await call(post("monitoring-exporter"));
    expect(status).toBe(502);
    expect(errorOf(body)).toMatchObject({ code: "rotation-failed", step: "mint", message: expect.stringContaining('stopped at step "mint"') });
    expect(sandbox.circleci.state.projectValue("gh/acme/api", "AZURE_CLIENT_SECRET")).toBe(before);
  });

  it("a misconfigured app answers 500 with the issues", async () => {
    const saved = process.env.WATCHDOG_POLICY;
    process.env.WATCHDOG_POLICY = "/nonexistent/policy.yaml";
    try {
      const { status, body } = await call(post("prod-deploy"));
      expect(status).toBe(500);
      expect(errorOf(body).code).toBe("invalid-policy");
    } finally {
      process.env.WATCHDOG_POLICY = saved;
    }
  });

  it("no secret value — old or newly minted — reached an answer or a log line", () => {
    const minted = sandbox.directory.state.allSecretValues();
    const vault = sandbox.keyVault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    const everything = [...new Set([...canaries, ...minted, ...vault])];
    expect(answers.length).toBeGreaterThan(10);
    expect(leakedSecrets(JSON.stringify(answers), everything)).toEqual([]);
    expect(leakedSecrets(logs.join("\n"), everything)).toEqual([]);
  });
});
