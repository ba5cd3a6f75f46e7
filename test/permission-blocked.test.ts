import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { openWatchdog } from "#shared/app/watchdog.js";
import type { CycleReport } from "#shared/engine/cycle.js";
import type { DoctorReport } from "#shared/domain/doctor/index.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { runBuiltCli } from "./support/cli.js";

// Issue 11: "A cycle reports a missing permission as a blocked finding before acting, never as a failure half-way",
// and ownership coverage: an app the watchdog does not own is watched, never rotated or federated.
describe("missing permissions block a due step before it starts", () => {
  const now = new Date();
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let secrets: string[];
  const outputs: string[] = [];

  beforeAll(async () => {
    const world = demoWorld(now);
    sandbox = await startSandbox(world);
    const dir = mkdtempSync(join(tmpdir(), "watchdog-blocked-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    secrets = secretValuesOf(world, [sandbox.signingSecret]);
    // DefaultAzureCredential reads IDENTITY_ENDPOINT from process.env, as in a Function App.
    Object.assign(process.env, sandbox.env);
  });
  const savedEnv = { ...process.env };
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox.close();
  });

  const open = () => openWatchdog(env, { host: "cli" });
  const writes = () => sandbox.log.entries.filter((e) => e.method !== "GET" && !(e.emulator === "entra" && e.path.endsWith("/token")));
  const permissionAlerts = (report: CycleReport) => report.alerts.raised.filter((a) => a.kind === "permission-missing");
  const received = (kind: string) => sandbox.receiver.received.filter((h) => h.kind === "generic" && (JSON.parse(h.rawBody) as { data?: { kind?: string } }).data?.kind === kind);

  it("apps not owned and a vault without the Officer role: no write anywhere, one blocked finding and one alert per credential with its fix; granted, the next cycle rotates and resolves", async () => {
    const directory = sandbox.directory.state;
    const principal = directory.managedIdentity.principalId;
    const prod = directory.appByAppId(demoIds.apps.deployProd)!;
    const terraform = directory.appByAppId(demoIds.apps.terraformCi)!;
    const prodOwners = prod.owners.splice(0, prod.owners.length);
    const terraformOwners = terraform.owners.splice(0, terraform.owners.length);
    const prodPasswords = prod.passwordCredentials.map((p) => p.keyId);
    sandbox.keyVault.rbac.enabled = true;
    sandbox.log.clear();

    const watchdog = await open();
    const plan = await watchdog.plan();
    expect(plan.ownership).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ appId: demoIds.apps.deployProd, owner: "no", credentials: ["prod-deploy"], fix: `make the watchdog an owner of the app: an administrator runs watchdog grant-ownership --principal-id ${principal} (every app the policy changes), or az ad app owner add --id ${demoIds.apps.deployProd} --owner-object-id ${principal}` }),
        expect.objectContaining({ appId: demoIds.apps.deployStaging, owner: "yes" }),
        expect.objectContaining({ appId: demoIds.apps.terraformCi, owner: "no", credentials: ["terraform"] }),
      ]),
    );
    const blocked = plan.findings.filter((f) => f.kind === "permission-missing");
    expect(blocked.map((f) => f.credential).sort()).toEqual(["prod-deploy", "staging-deploy", "terraform"]);
    const prodFinding = blocked.find((f) => f.credential === "prod-deploy")!;
    expect(prodFinding.permissions!.map((p) => `${p.status} ${p.need}`)).toEqual([`missing owner of app ${demoIds.apps.deployProd}`, expect.stringMatching(/^missing Key Vault Secrets Officer on .* \(secret cci-prod-deploy\)$/)]);
    expect(prodFinding.nextStep).toContain(`az ad app owner add --id ${demoIds.apps.deployProd} --owner-object-id ${principal}`);
    expect(prodFinding.nextStep).toContain(`az role assignment create --role "Key Vault Secrets Officer" --assignee-object-id ${principal}`);
    expect(blocked.find((f) => f.credential === "terraform")!.permissions!.map((p) => p.need)).toEqual([`owner of app ${demoIds.apps.terraformCi}`]);
    expect(plan.steps.every((s) => s.blocked?.startsWith("missing permission: "))).toBe(true);
    expect(plan.summary.permissionMissing).toBe(3);
    const page = await watchdog.report();
    expect(page).toContain("App ownership");
    expect(page).toContain("NOT an owner: watched only, never rotated or federated");
    expect(page).toContain(`az ad app owner add --id ${demoIds.apps.deployProd}`);
    expect(page).toMatch(/Rotation blocked: missing permission: owner of app/);

    const first = await watchdog.run({ dryRun: false, actor: "test" });
    // Blocked before acting: nothing started, so nothing failed half-way and nothing was written.
    expect(first.rotations).toEqual([]);
    expect(first.migrations).toEqual([]);
    expect(first.failures).toEqual([]);
    expect(writes()).toEqual([]);
    expect(prod.passwordCredentials.map((p) => p.keyId)).toEqual(prodPasswords);
    expect(terraform.federatedIdentityCredentials).toEqual([]);
    expect(permissionAlerts(first).map((a) => a.credential).sort()).toEqual(["prod-deploy", "staging-deploy", "terraform"]);
    expect(permissionAlerts(first).find((a) => a.credential === "prod-deploy")!.nextStep).toContain("az ad app owner add");
    expect(received("permission-missing")).toHaveLength(3);

    // The same gaps next cycle: no second alert.
    const second = await watchdog.run({ dryRun: false, actor: "test" });
    expect(permissionAlerts(second)).toEqual([]);
    expect(received("permission-missing")).toHaveLength(3);

    // Granted: the owners are back and the role is assigned (in effect at once here).
    prod.owners.push(...prodOwners);
    terraform.owners.push(...terraformOwners);
    sandbox.keyVault.rbac.assign(principal, "Key Vault Secrets Officer", { effectiveNow: true });
    const third = await watchdog.run({ dryRun: false, actor: "test" });
    expect(third.failures).toEqual([]);
    expect(third.plan.findings.filter((f) => f.kind === "permission-missing")).toEqual([]);
    expect(third.rotations.map((r) => r.credential).sort()).toEqual(["prod-deploy", "staging-deploy"]);
    expect(prod.passwordCredentials.some((p) => !prodPasswords.includes(p.keyId))).toBe(true);
    expect(terraform.federatedIdentityCredentials.length).toBeGreaterThan(0);
    expect(third.alerts.raised.filter((a) => a.credential === "prod-deploy").map((a) => a.kind)).toEqual(["resolved"]);
    outputs.push(JSON.stringify([plan, first, second, third]), page);
    sandbox.keyVault.rbac.enabled = false;
  });

  it("owners that cannot be read are unknown, never owned: the step is blocked and says so", async () => {
    // The owners route fails (a refused read: the adapter does not retry a 400) for every app.
    sandbox.directory.graph.faults.set("applications.owners", { failTimes: 1_000, failStatus: 400 });
    try {
      const plan = await (await open()).plan();
      expect(plan.ownership?.find((o) => o.appId === demoIds.apps.terraformCi)).toMatchObject({ owner: "unknown", detail: expect.stringContaining("could not read the app's owners: 400") });
      const finding = plan.findings.find((f) => f.kind === "permission-missing" && f.credential === "terraform");
      expect(finding?.permissions?.[0]).toMatchObject({ status: "unknown", need: `owner of app ${demoIds.apps.terraformCi}` });
      expect(finding?.message).toContain("(unknown: could not read the app's owners");
      expect(plan.steps.find((s) => s.credential === "terraform")?.blocked).toMatch(/^missing permission: owner of app/);
      const doctor = await runBuiltCli(["doctor", "--json"], env);
      expect(doctor.code).toBe(1);
      const report = JSON.parse(doctor.stdout) as DoctorReport;
      expect(report.checks.find((c) => c.need === `owner of app ${demoIds.apps.terraformCi}`)).toMatchObject({ status: "unknown", detail: expect.stringContaining("400") });
      const text = await runBuiltCli(["doctor"], env);
      expect(text.stdout).toMatch(new RegExp(`UNKNOWN +owner of app ${demoIds.apps.terraformCi}`));
      expect(text.stdout).toMatch(/unknown \(could not be read: never taken as granted\)/);
      outputs.push(JSON.stringify(plan), doctor.stdout, text.stdout);
    } finally {
      sandbox.directory.graph.faults.clear();
    }
  });

  it("never shows a secret value", () => {
    expect(leakedSecrets(outputs.join("\n"), secrets)).toEqual([]);
  });
});
