import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { DoctorReport } from "#shared/domain/doctor/index.js";
import { runBuiltCli } from "./support/cli.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";

// `watchdog doctor` as a user runs it, against a sandbox tenant whose grants the test takes away and gives back.
describe("watchdog doctor", () => {
  const now = new Date();
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let secrets: string[];
  const outputs: string[] = [];
  const doctor = async (args: string[] = []) => {
    const run = await runBuiltCli(["doctor", ...args], env);
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  beforeAll(async () => {
    const world = demoWorld(now);
    sandbox = await startSandbox(world);
    const dir = mkdtempSync(join(tmpdir(), "watchdog-doctor-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    secrets = secretValuesOf(world, [sandbox.signingSecret]);
  });
  afterAll(() => sandbox.close());

  it("with every grant in place: one line per need, and exit 0", async () => {
    const run = await doctor();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok +Graph Application\.ReadWrite\.OwnedBy/);
    expect(run.stdout).toMatch(new RegExp(`ok +owner of app ${demoIds.apps.deployProd}`));
    expect(run.stdout).toMatch(/ok +Graph AuditLog\.Read\.All/);
    expect(run.stdout).toMatch(/ok +CircleCI context prod-deploy/);
    expect(run.stdout).toMatch(/unverif +Key Vault Secrets Officer .* \(secret cci-prod-deploy\)/);
    expect(run.stdout).toContain("Everything the policy needs is there.");
  });

  it("with grants missing: each one printed with the exact grant that fixes it, exit 1; --json says the same; nothing is written", async () => {
    const directory = sandbox.directory.state;
    const prodApp = directory.appByAppId(demoIds.apps.deployProd)!;
    const owners = [...prodApp.owners];
    directory.revokeRole("AuditLog.Read.All");
    prodApp.owners.splice(0, prodApp.owners.length);
    sandbox.keyVault.rbac.enabled = true;
    sandbox.circleci.state.restrictedContexts.set("staging-deploy", 403);
    sandbox.circleci.state.restrictedContexts.set("terraform", 404);
    sandbox.log.clear();
    try {
      const run = await doctor();
      expect(run.code).toBe(1);
      const principal = directory.managedIdentity.principalId;
      expect(run.stdout).toMatch(/MISSING +Graph AuditLog\.Read\.All/);
      expect(run.stdout).toContain(`appRoleAssignments`);
      expect(run.stdout).toContain(`"appRoleId\\":\\"b0afded3-3588-46d8-8b3d-9842eff778da`);
      expect(run.stdout).toMatch(new RegExp(`MISSING +owner of app ${demoIds.apps.deployProd}`));
      expect(run.stdout).toContain(`az ad app owner add --id ${demoIds.apps.deployProd} --owner-object-id ${principal}`);
      expect(run.stdout).toMatch(new RegExp(`ok +owner of app ${demoIds.apps.deployStaging}`));
      expect(run.stdout).toMatch(/MISSING +Key Vault Secrets Officer .* \(secret cci-prod-deploy\) .*\(403 Forbidden\)/);
      expect(run.stdout).toContain(`az role assignment create --role "Key Vault Secrets Officer" --assignee-object-id ${principal}`);
      expect(run.stdout).toMatch(/MISSING +CircleCI context staging-deploy .*\(403/);
      expect(run.stdout).toMatch(/MISSING +CircleCI context terraform .*\(404/);
      expect(run.stdout).toContain("Organization Settings > Contexts > staging-deploy > Security groups");

      const asJson = await doctor(["--json"]);
      expect(asJson.code).toBe(1);
      const report = JSON.parse(asJson.stdout) as DoctorReport;
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => c.status === "missing").map((c) => c.need)).toEqual(
        expect.arrayContaining(["Graph AuditLog.Read.All", `owner of app ${demoIds.apps.deployProd}`, "CircleCI context staging-deploy", "CircleCI context terraform"]),
      );
      expect(sandbox.log.entries.filter((e) => e.method !== "GET" && !e.path.endsWith("/token"))).toEqual([]);
    } finally {
      directory.grantRole("AuditLog.Read.All");
      prodApp.owners.push(...owners);
      sandbox.keyVault.rbac.enabled = false;
      sandbox.circleci.state.restrictedContexts.clear();
    }
  });

  it("a Key Vault role assigned a moment ago is still refused until it propagates; then doctor passes", { timeout: 60_000 }, async () => {
    const principal = sandbox.directory.state.managedIdentity.principalId;
    sandbox.keyVault.rbac.enabled = true;
    sandbox.keyVault.rbac.assignmentDelayMs = 8_000;
    sandbox.keyVault.rbac.assign(principal, "Key Vault Secrets Officer");
    const assignedAt = Date.now();
    try {
      const early = await doctor();
      expect(early.code).toBe(1);
      expect(early.stdout).toMatch(/may still be propagating/);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, assignedAt + 8_100 - Date.now())));
      const later = await doctor();
      expect(later.code).toBe(0);
    } finally {
      sandbox.keyVault.rbac.enabled = false;
      sandbox.keyVault.rbac.unassignAll(principal);
    }
  });

  it("the Graph emulator enforces Application.ReadWrite.OwnedBy: an app it does not own can be read, not changed (403 Authorization_RequestDenied)", async () => {
    const directory = sandbox.directory.state;
    const app = directory.appByAppId(demoIds.apps.deployProd)!;
    const owners = app.owners.splice(0, app.owners.length);
    const token = sandbox.directory.tokens.issue({ audience: "https://graph.microsoft.com", tenantId: directory.tenantId, appId: directory.managedIdentity.clientId, objectId: directory.managedIdentity.principalId }).token;
    const graph = (path: string, init: RequestInit = {}) => fetch(`${sandbox.directory.graph.url}/v1.0${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
    try {
      expect((await graph(`/applications/${app.id}`)).status).toBe(200);
      const owned = (await (await graph(`/applications/${app.id}/owners`)).json()) as { value: unknown[] };
      expect(owned.value).toEqual([]);
      const write = await graph(`/applications/${app.id}/addPassword`, { method: "POST", body: JSON.stringify({ passwordCredential: { displayName: "x" } }) });
      expect(write.status).toBe(403);
      expect(await write.json()).toMatchObject({ error: { code: "Authorization_RequestDenied" } });
      expect(app.passwordCredentials.some((p) => p.displayName === "x")).toBe(false);
    } finally {
      app.owners.push(...owners);
    }
  });

  it("never prints a secret value", () => {
    expect(leakedSecrets(outputs.join("\n"), secrets)).toEqual([]);
  });
});
