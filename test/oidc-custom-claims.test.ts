import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryApp } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import { runBuiltCli, type CliRun } from "./support/cli.js";
import { describeErrors, loadOpenApi } from "./support/openapi.js";

// The experimental oidc.injectedAudience: project, through the CLI against the sandbox: CircleCI's custom-claims
// endpoints (checked against CircleCI's OpenAPI document), the journaled and idempotent set, the conflict that
// stops it, the rollback that restores the previous value, and `oidc check-token` on an injected token — with
// both answers to what CircleCI does not document (whether injected tokens carry the project's audience).

const openApi = loadOpenApi(new URL("../specs/circleci-openapi-v2.json", import.meta.url));
const world = demoWorld(new Date());
const orgId = world.circleci.org.id;
const claimsTemplate = "/org/{orgID}/project/{projectID}/oidc-custom-claims";
let sandbox: Sandbox;
let env: Record<string, string>;
const outputs: CliRun[] = [];

interface Case {
  name: string;
  app: DirectoryApp;
  context: { id: string; name: string };
  projectId: string;
  userId: string;
}
const cases: Case[] = [];

function addCase(name: string): Case {
  const now = Date.now();
  const secret = `claims~${randomBytes(24).toString("base64url")}`;
  const app = sandbox.directory.state.addApplication({
    displayName: `app-${name}`,
    passwordCredentials: [{ keyId: randomUUID(), displayName: "CircleCI", startDateTime: new Date(now - 86_400_000).toISOString(), endDateTime: new Date(now + 90 * 86_400_000).toISOString(), secretText: secret }],
  });
  const context = sandbox.circleci.state.addContext({ name: `ctx-${name}` });
  sandbox.circleci.state.setContextVariable(context.name, "AZURE_CLIENT_SECRET", secret);
  const project = sandbox.circleci.state.addProject({ slug: `gh/acme/${name}` });
  const kase = { name, app, context: { id: context.id, name: context.name }, projectId: project.id, userId: randomUUID() };
  cases.push(kase);
  return kase;
}

const cli = async (args: string[], stdin?: string) => {
  const run = await runBuiltCli(args, env, stdin);
  outputs.push(run);
  return run;
};
const projectAudience = (kase: Case) => sandbox.circleci.oidcClaims.get(orgId, kase.projectId).audience;
const patches = () => sandbox.log.count((e) => e.route === "oidc.claims.project.patch");

let owned: Case;
let taken: Case;

beforeAll(async () => {
  sandbox = await startSandbox(world);
  owned = addCase("claims-owned");
  taken = addCase("claims-taken");
  // Someone else's trust relies on this project's custom audience.
  sandbox.circleci.oidcClaims.set(orgId, taken.projectId, { audience: ["sts.amazonaws.com"] }, new Date().toISOString());
  const lines = ["version: 1", "credentials:"];
  for (const kase of cases) {
    lines.push(
      `  - name: ${kase.name}`,
      `    circleci: { context: ${kase.context.name}, variable: AZURE_CLIENT_SECRET }`,
      `    entra: { appId: ${kase.app.appId} }`,
      "    action: oidc",
      `    oidc: { projectIds: [${kase.projectId}], userIds: [${kase.userId}], injectedAudience: project }`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "watchdog-claims-"));
  writeFileSync(join(dir, "policy.yaml"), `${lines.join("\n")}\n`);
  env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
}, 60_000);
afterAll(() => sandbox?.close());

describe("CircleCI's OIDC custom-claims endpoints in the emulator", () => {
  it("answer GET, PATCH and DELETE as CircleCI's OpenAPI document says, and refuse what it refuses", async () => {
    const api = axios.create({ baseURL: sandbox.env.CIRCLECI_API_URL, headers: { "Circle-Token": world.circleci.token }, validateStatus: () => true });
    const project = sandbox.circleci.state.addProject({ slug: "gh/acme/claims-wire" });
    const path = `/org/${orgId}/project/${project.id}/oidc-custom-claims`;
    const conforms = (response: { status: number; data: unknown }, method: string, template = claimsTemplate) => {
      const validate = openApi.response(method, template, response.status);
      expect(validate(response.data), `${method} ${template} ${response.status}: ${describeErrors(validate)}`).toBe(true);
    };
    const empty = await api.get(path);
    expect(empty.status).toBe(200);
    expect(empty.data).toEqual({ org_id: orgId, project_id: project.id });
    conforms(empty, "GET");
    const patched = await api.patch(path, { audience: ["api://AzureADTokenExchange"], ttl: "1h" });
    expect(patched.data).toMatchObject({ audience: ["api://AzureADTokenExchange"], ttl: "1h" });
    expect(typeof patched.data.audience_updated_at).toBe("string");
    conforms(patched, "PATCH");
    const deleted = await api.delete(path, { params: { claims: "audience" } });
    expect(deleted.data).not.toHaveProperty("audience");
    expect(deleted.data.ttl).toBe("1h");
    conforms(deleted, "DELETE");
    const org = await api.get(`/org/${orgId}/oidc-custom-claims`);
    conforms(org, "GET", "/org/{orgID}/oidc-custom-claims");
    for (const [response, status] of [
      [await api.delete(path), 400],
      [await api.delete(path, { params: { claims: "sub" } }), 400],
      [await api.patch(path, { ttl: "an hour" }), 400],
      [await api.get(`/org/not-a-uuid/project/${project.id}/oidc-custom-claims`), 400],
      [await api.get(`/org/${randomUUID()}/project/${project.id}/oidc-custom-claims`), 403],
    ] as const) {
      expect(response.status).toBe(status);
      conforms(response, response.config.method!.toUpperCase());
    }
  });
});

describe("oidc.injectedAudience: project (experimental)", () => {
  it("sets the project's custom audience to the federated credentials' audience, journaled, once", async () => {
    const first = await cli(["migrate", owned.name, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(projectAudience(owned)).toEqual(["api://AzureADTokenExchange"]);
    const outcome = JSON.parse(first.stdout) as { state: string; status: { pipelineChange: string } };
    expect(outcome.state).toBe("waiting");
    // Until a user confirms it, the pipelines keep the explicit step, and the change says why.
    expect(outcome.status.pipelineChange).toContain(`circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}'`);
    expect(outcome.status.pipelineChange).toContain(`watchdog oidc check-token ${owned.name}`);
    const before = patches();
    const again = await cli(["migrate", owned.name, "--json"]);
    expect(again.code).toBe(0);
    expect(patches()).toBe(before);
  });

  it("never overwrites an audience someone else set: the dry run shows the conflict, the run stops with nothing changed", async () => {
    const preview = await cli(["migrate", taken.name, "--dry-run", "--json"]);
    expect(JSON.parse(preview.stdout).problem).toContain(`project ${taken.projectId} already has the custom audience sts.amazonaws.com`);
    const before = patches();
    const run = await cli(["migrate", taken.name, "--json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).failure.message).toContain("never overwrites an audience someone else set");
    expect(patches()).toBe(before);
    expect(projectAudience(taken)).toEqual(["sts.amazonaws.com"]);
    expect(sandbox.circleci.state.contextValue(taken.context.name, "AZURE_CLIENT_ID")).toBeUndefined();
    const plan = await cli(["plan", "--json"]);
    const status = (JSON.parse(plan.stdout) as { migrations: Array<{ credential: string; lastFailure?: { message: string } }> }).migrations.find((m) => m.credential === taken.name);
    expect(status?.lastFailure?.message).toContain("already has the custom audience");
  });

  it("check-token tells whether an injected token carries the audience: it does not by CircleCI's documentation, and would with the knob", async () => {
    const job = () => sandbox.job({ projectId: owned.projectId, userId: owned.userId, contextIds: [owned.context.id] });
    const documented = await cli(["oidc", "check-token", owned.name], (await job()).env.CIRCLE_OIDC_TOKEN);
    expect(documented.code).toBe(1);
    expect(documented.stdout).toContain("FAIL aud");
    sandbox.knobs.customClaimsReachInjectedTokens = true;
    try {
      const injected = await cli(["oidc", "check-token", owned.name], (await job()).env.CIRCLE_OIDC_TOKEN);
      expect(injected.code).toBe(0);
      expect(injected.stdout).toContain("Entra would accept");
    } finally {
      sandbox.knobs.customClaimsReachInjectedTokens = false;
    }
  });

  it("offers the project level only: injectedAudience: org is refused with the reason, naming where", async () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-claims-org-"));
    const file = join(dir, "policy.yaml");
    writeFileSync(
      file,
      ["version: 1", "credentials:", "  - name: org-level", "    circleci: { context: x, variable: AZURE_CLIENT_SECRET }", `    entra: { appId: ${owned.app.appId} }`, "    action: oidc",
        `    oidc: { projectIds: [${owned.projectId}], userIds: [${owned.userId}], injectedAudience: org }`, ""].join("\n"),
    );
    const run = await cli(["check-policy", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("credentials[0].oidc.injectedAudience");
    expect(run.stderr).toContain("every other cloud's trust relies on");
  });

  it("rollback restores the previous value (none)", async () => {
    const rolled = await cli(["rollback", owned.name, "--json"]);
    expect(rolled.code, rolled.stdout).toBe(0);
    expect(projectAudience(owned)).toBeUndefined();
    expect(sandbox.log.count((e) => e.route === "oidc.claims.project.delete" && e.path.includes(owned.projectId))).toBe(1);
  });
});
