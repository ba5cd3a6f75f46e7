import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubjectVersion } from "../sandbox/circleci-oidc/index.js";
import type { DirectoryApp } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox, type SandboxJobSpec } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import { runBuiltCli, type CliRun } from "./support/cli.js";
import { runPrintedLogin, type LoginResult } from "../sandbox/pipeline/oidc-login.js";

// The migration proven the way a pipeline uses it: after `watchdog migrate` (the built CLI), every planned
// project × user (× ref) runs the login step the watchdog printed, in a sandbox CircleCI job, and gets an Entra
// token through the real ClientAssertionCredential — and a job of another project, user or branch, or with the
// wrong audience, is refused.

interface Migrated {
  name: string;
  app: DirectoryApp;
  place: { context: string } | { project: string };
  contextId: string;
  projectIds: string[];
  userIds: string[];
  refs?: string[];
  audience?: string;
  /** What `circleci run oidc get` returns in this world (CircleCI does not document it). */
  oidcGetSubject: SubjectVersion;
  pipelineChange: string;
}

const world = demoWorld(new Date());
const orgId = world.circleci.org.id;
const origin = "github.com/acme/api";
let sandbox: Sandbox;
let env: Record<string, string>;
const outputs: CliRun[] = [];
const cases: Migrated[] = [];

function variablesOf(kase: Migrated): Record<string, string | undefined> {
  const state = sandbox.circleci.state;
  const read = (name: string) => ("context" in kase.place ? state.contextValue(kase.place.context, name) : state.projectValue(kase.place.project, name));
  return { AZURE_CLIENT_ID: read("AZURE_CLIENT_ID"), AZURE_TENANT_ID: read("AZURE_TENANT_ID") };
}

async function pipelineLogin(kase: Migrated, job: Partial<SandboxJobSpec> = {}): Promise<LoginResult & { token: string }> {
  const started = await sandbox.job({
    projectId: kase.projectIds[0]!,
    userId: kase.userIds[0]!,
    contextIds: [kase.contextId],
    vcsOrigin: origin,
    vcsRef: kase.refs?.[0] ?? "refs/heads/main",
    oidcGetSubject: kase.oidcGetSubject,
    ...job,
  });
  return runPrintedLogin({ pipelineChange: kase.pipelineChange, job: started, variables: variablesOf(kase), authorityHost: sandbox.env.AZURE_AUTHORITY_HOST! });
}

function addCase(name: string, options: { projects: number; users: number; refs?: string[]; audience?: string; binding?: "project"; oidcGetSubject?: SubjectVersion }): Migrated {
  const secret = `e2e~${randomBytes(24).toString("base64url")}`;
  const now = Date.now();
  const app = sandbox.directory.state.addApplication({
    displayName: `app-${name}`,
    passwordCredentials: [
      { keyId: randomUUID(), displayName: "CircleCI", startDateTime: new Date(now - 30 * 86_400_000).toISOString(), endDateTime: new Date(now + 90 * 86_400_000).toISOString(), secretText: secret },
    ],
  });
  const state = sandbox.circleci.state;
  const context = state.addContext({ name: `ctx-${name}` });
  let place: Migrated["place"];
  if (options.binding === "project") {
    place = { project: `gh/acme/${name}` };
    state.addProject({ slug: place.project });
    state.setProjectVariable(place.project, "AZURE_CLIENT_SECRET", secret);
  } else {
    place = { context: context.name };
    state.setContextVariable(context.name, "AZURE_CLIENT_SECRET", secret);
  }
  const kase: Migrated = {
    name,
    app,
    place,
    contextId: context.id,
    projectIds: Array.from({ length: options.projects }, () => randomUUID()),
    userIds: Array.from({ length: options.users }, () => randomUUID()),
    ...(options.refs ? { refs: options.refs } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    oidcGetSubject: options.oidcGetSubject ?? "v1",
    pipelineChange: "",
  };
  cases.push(kase);
  return kase;
}

function policyYaml(): string {
  const lines = ["version: 1", "credentials:"];
  for (const kase of cases) {
    const where = "context" in kase.place ? `context: ${kase.place.context}` : `project: ${kase.place.project}`;
    lines.push(
      `  - name: ${kase.name}`,
      `    circleci: { ${where}, variable: AZURE_CLIENT_SECRET }`,
      `    entra: { appId: ${kase.app.appId} }`,
      "    action: oidc",
      "    oidc:",
      `      projectIds: [${kase.projectIds.join(", ")}]`,
      `      userIds: [${kase.userIds.join(", ")}]`,
      ...(kase.audience ? [`      audience: "${kase.audience}"`] : []),
      ...(kase.refs ? [`      branches: { vcsOrigin: ${origin}, refs: [${kase.refs.join(", ")}] }`] : []),
    );
  }
  return `${lines.join("\n")}\n`;
}

let v1: Migrated;
let v2: Migrated;
let v1Org: Migrated;
let v2Custom: Migrated;

beforeAll(async () => {
  sandbox = await startSandbox(world);
  // The product's default audience through `circleci run oidc get`, v1 subjects: 2 projects × 2 users.
  v1 = addCase("e2e-v1", { projects: 2, users: 2 });
  // The org id as audience with branches: $CIRCLE_OIDC_TOKEN_V2, 1 × 1 × 2 refs.
  v2 = addCase("e2e-v2", { projects: 1, users: 1, refs: ["refs/heads/main", "refs/heads/release"], audience: orgId });
  // The org id, v1 subject, the secret in a project: $CIRCLE_OIDC_TOKEN.
  v1Org = addCase("e2e-v1-org", { projects: 1, users: 2, audience: orgId, binding: "project" });
  // A custom audience with branches: only works if `circleci run oidc get` carries the v2 subject.
  v2Custom = addCase("e2e-v2-custom", { projects: 1, users: 1, refs: ["refs/heads/main"], oidcGetSubject: "v2" });
  const dir = mkdtempSync(join(tmpdir(), "watchdog-oidc-e2e-"));
  writeFileSync(join(dir, "policy.yaml"), policyYaml());
  env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
  for (const kase of cases) {
    const run = await runBuiltCli(["migrate", kase.name, "--json"], env);
    outputs.push(run);
    if (run.code !== 0) throw new Error(`watchdog migrate ${kase.name} failed (${run.code}): ${run.stderr}${run.stdout}`);
    const outcome = JSON.parse(run.stdout) as { state: string; status: { pipelineChange?: string } };
    if (outcome.state !== "waiting" || !outcome.status.pipelineChange) throw new Error(`watchdog migrate ${kase.name}: ${run.stdout}`);
    kase.pipelineChange = outcome.status.pipelineChange;
  }
}, 120_000);
afterAll(() => sandbox?.close());

describe("after watchdog migrate, the printed login step signs a CircleCI job in with OIDC", () => {
  it("for every planned project × user (v1 subject, custom audience through circleci run oidc get)", async () => {
    expect(v1.pipelineChange).toContain(`circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}'`);
    for (const projectId of v1.projectIds) {
      for (const userId of v1.userIds) {
        expect(await pipelineLogin(v1, { projectId, userId }), `${projectId} × ${userId}`).toMatchObject({ ok: true });
      }
    }
    expect(v1.app.federatedIdentityCredentials).toHaveLength(4);
  });

  it("for every planned project × user × ref (v2 subject, $CIRCLE_OIDC_TOKEN_V2, the org id as audience)", async () => {
    expect(v2.pipelineChange).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN_V2"`);
    for (const vcsRef of v2.refs!) {
      expect(await pipelineLogin(v2, { vcsRef }), vcsRef).toMatchObject({ ok: true });
    }
  });

  it("for a secret kept in a project variable ($CIRCLE_OIDC_TOKEN, the org id as audience)", async () => {
    expect(v1Org.pipelineChange).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN"`);
    for (const userId of v1Org.userIds) expect(await pipelineLogin(v1Org, { userId })).toMatchObject({ ok: true });
  });

  it("asks for exactly the audience, issuer and subjects the federated credentials carry", async () => {
    for (const kase of cases) {
      const { token } = await pipelineLogin(kase);
      const claims = decodeJwt(token);
      const fics = kase.app.federatedIdentityCredentials;
      expect(new Set(fics.flatMap((f) => f.audiences)), kase.name).toEqual(new Set([claims.aud]));
      expect(new Set(fics.map((f) => f.issuer))).toEqual(new Set([claims.iss]));
      expect(fics.map((f) => f.subject)).toContain(claims.sub);
    }
  });

  it("with branches and a custom audience, works only where circleci run oidc get carries the v2 subject, which the change warns about", async () => {
    expect(v2Custom.pipelineChange).toContain("check that your token carries the V2 subject");
    expect(await pipelineLogin(v2Custom)).toMatchObject({ ok: true });
    expect(await pipelineLogin({ ...v2Custom, oidcGetSubject: "v1" })).toMatchObject({ ok: false, code: 700213 });
  });
});

describe("and nothing else signs in", () => {
  it("refuses a job of another project or another user (700213)", async () => {
    for (const kase of [v1, v2, v1Org]) {
      expect(await pipelineLogin(kase, { projectId: randomUUID() }), kase.name).toMatchObject({ ok: false, code: 700213 });
      expect(await pipelineLogin(kase, { userId: randomUUID() }), kase.name).toMatchObject({ ok: false, code: 700213 });
    }
    // A project and user planned for one credential are not let into another's app.
    expect(await pipelineLogin({ ...v1Org, projectIds: v1.projectIds, userIds: v1.userIds })).toMatchObject({ ok: false, code: 700213 });
  });

  it("refuses another branch, and a custom-webhook pipeline (no vcs claims), where the credentials name branches", async () => {
    expect(await pipelineLogin(v2, { vcsRef: "refs/heads/feature" })).toMatchObject({ ok: false, code: 700213 });
    expect(await pipelineLogin(v2, { vcsOrigin: "github.com/acme/fork" })).toMatchObject({ ok: false, code: 700213 });
    expect(await pipelineLogin(v2, { customWebhook: true })).toMatchObject({ ok: false, code: 700213 });
  });

  it("refuses the wrong audience (700212): the injected token where the credentials want api://AzureADTokenExchange, and the reverse", async () => {
    const v1Injected = { ...v1, pipelineChange: v1.pipelineChange.replace(/TOKEN=\$\(circleci run oidc get[^\n]*\)/, `TOKEN="$CIRCLE_OIDC_TOKEN"`) };
    expect(await pipelineLogin(v1Injected)).toMatchObject({ ok: false, code: 700212 });
    const orgCustom = { ...v1Org, pipelineChange: v1Org.pipelineChange.replace(`TOKEN="$CIRCLE_OIDC_TOKEN"`, `TOKEN=$(circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}')`) };
    expect(await pipelineLogin(orgCustom)).toMatchObject({ ok: false, code: 700212 });
  });
});

describe("watchdog oidc check-token", () => {
  it("decodes a pasted token, compares iss, sub and aud with the app's federated credentials, and prints no signature", async () => {
    const { token } = await pipelineLogin(v1);
    const run = await runBuiltCli(["oidc", "check-token", v1.name], env, `${token}\n`);
    outputs.push(run);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`sub ${decodeJwt(token).sub}`);
    expect(run.stdout).toMatch(/ok {3}aud: api:\/\/AzureADTokenExchange includes api:\/\/AzureADTokenExchange/);
    expect(run.stdout).toContain("Entra would accept");
    expect(run.stdout).not.toContain(token.split(".")[2]);
    expect(run.stdout).not.toContain(token.split(".")[1]);
  });

  it("names what differs (the injected token's audience) and exits 1; a paste that is not a token exits 2", async () => {
    const injected = (await sandbox.job({ projectId: v1.projectIds[0]!, userId: v1.userIds[0]!, contextIds: [v1.contextId] })).env.CIRCLE_OIDC_TOKEN;
    const dir = mkdtempSync(join(tmpdir(), "watchdog-token-"));
    writeFileSync(join(dir, "token"), injected);
    const wrong = await runBuiltCli(["oidc", "check-token", v1.name, "--token-file", join(dir, "token"), "--json"], env);
    outputs.push(wrong);
    expect(wrong.code).toBe(1);
    const result = JSON.parse(wrong.stdout) as { ok: boolean; comparison: { matches: boolean; checks: Array<{ claim: string; ok: boolean; detail: string }> } };
    expect(result.comparison.matches).toBe(false);
    expect(result.comparison.checks.find((c) => c.claim === "aud")).toMatchObject({ ok: false, detail: `${orgId}, but the federated credential wants api://AzureADTokenExchange` });
    expect(wrong.stdout).not.toContain(injected.split(".")[2]);
    const garbage = await runBuiltCli(["oidc", "check-token", v1.name], env, "not-a-token\n");
    expect(garbage.code).toBe(2);
    expect(garbage.stdout).toContain("not a JWT");
  });
});

// Issue 12: where the tenant allows it, the plan and the report show the first OIDC sign-ins (the sign-in log's
// service-principal sign-ins with clientCredentialType federatedIdentityCredential) as the sign that pipelines switched.
describe("the first OIDC sign-ins in the plan and the report", () => {
  type PlanJson = { migrations: Array<{ credential: string; state: string; firstOidcSignIns?: { available: boolean; reason?: string; signIns: Array<{ federatedCredentialId: string; name?: string; subject?: string; at: string }> } }> };
  const planJson = async () => {
    const run = await runBuiltCli(["plan", "--json"], env);
    outputs.push(run);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as PlanJson;
  };
  const firstOf = (plan: PlanJson, kase: Migrated) => plan.migrations.find((m) => m.credential === kase.name)!.firstOidcSignIns;

  it("after the pipelines' exchanges: when, and with which federated credential, each first signed in; a refused exchange does not count", async () => {
    // One more pipeline of v1 logs in now: its first sign-ins stay those of the exchanges above.
    expect(await pipelineLogin(v1)).toMatchObject({ ok: true });
    // Pages of two: the first sign-ins of a credential may be on any page of the log.
    sandbox.directory.state.signInLogPageSize = 2;
    sandbox.log.clear();
    const plan = await planJson().finally(() => (sandbox.directory.state.signInLogPageSize = undefined));
    expect(sandbox.log.count((e) => e.route === "auditLogs.signIns")).toBeGreaterThan(4);
    const log = sandbox.directory.state.servicePrincipalSignIns;
    for (const kase of [v1, v2, v1Org, v2Custom]) {
      const first = firstOf(plan, kase)!;
      expect(first.available, kase.name).toBe(true);
      const fics = kase.app.federatedIdentityCredentials;
      const used = fics.filter((f) => log.some((s) => s.federatedCredentialId === f.id && s.errorCode === 0));
      expect(first.signIns.map((s) => s.federatedCredentialId).sort(), kase.name).toEqual(used.map((f) => f.id).sort());
      for (const signIn of first.signIns) {
        const fic = fics.find((f) => f.id === signIn.federatedCredentialId)!;
        expect(signIn).toMatchObject({ name: fic.name, subject: fic.subject });
        // The emulator's own log says when that credential's first successful exchange happened.
        const earliest = log.find((s) => s.federatedCredentialId === fic.id && s.errorCode === 0)!;
        expect(signIn.at).toBe(earliest.createdDateTime);
      }
    }
    // Every planned project × user of v1 logged in above: four credentials, each with its first sign-in.
    expect(firstOf(plan, v1)!.signIns).toHaveLength(4);
    // v2Custom's refused exchange (a v1 subject, 700213) is in the log but names no credential and is not counted.
    expect(log.some((s) => s.appId === v2Custom.app.appId && s.errorCode === 700213)).toBe(true);
    expect(firstOf(plan, v2Custom)!.signIns).toHaveLength(1);

    const text = await runBuiltCli(["plan"], env);
    const v1Fic = v1.app.federatedIdentityCredentials[0]!;
    expect(text.stdout).toContain("first OIDC sign-ins:");
    expect(text.stdout).toContain(v1Fic.name);
    const dir = mkdtempSync(join(tmpdir(), "watchdog-first-sign-ins-"));
    const report = await runBuiltCli(["report", "--html", join(dir, "report.html")], env);
    expect(report.code, report.stderr).toBe(0);
    const page = readFileSync(join(dir, "report.html"), "utf8");
    expect(page).toContain("First OIDC sign-ins");
    expect(page).toContain(v1Fic.name);
    expect(page).toContain(v1Fic.subject);
    outputs.push(text, report);
  });

  it("a sign-in the log does not show yet is not a first sign-in: none yet", async () => {
    sandbox.directory.state.signInLogDelayMs = 86_400_000;
    try {
      expect((await runBuiltCli(["plan"], env)).stdout).toMatch(new RegExp(`${v1.name}: waiting[^\n]*\n(    [^\n]*\n)*    first OIDC sign-ins: none yet`));
    } finally {
      sandbox.directory.state.signInLogDelayMs = 0;
    }
  });

  it("without AuditLog.Read.All, or in a tenant without Entra ID P1/P2: unknown, and said so", async () => {
    const directory = sandbox.directory.state;
    directory.revokeRole("AuditLog.Read.All");
    try {
      expect((await runBuiltCli(["plan"], env)).stdout).toMatch(/first OIDC sign-ins: unknown \(the sign-in log is unavailable: Graph answered 403 Authorization_RequestDenied\)/);
    } finally {
      directory.grantRole("AuditLog.Read.All");
    }
    directory.signInReportsAvailable = false;
    try {
      expect(firstOf(await planJson(), v1)).toEqual({ available: false, reason: "the sign-in log is unavailable: Graph answered 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant", signIns: [] });
    } finally {
      directory.signInReportsAvailable = true;
    }
  });
});
