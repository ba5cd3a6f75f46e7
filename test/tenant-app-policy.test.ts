import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { defaultTenantPolicy, type PasswordRestriction } from "../sandbox/graph/index.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { runBuiltCli } from "./support/cli.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";

type Finding = { id: string; kind: string; severity: string; nextStep: string; message: string };
type Step = { kind: string; credential: string; note?: string; blocked?: string };
type Plan = { findings: Finding[]; steps: Step[] };
type Hook = { body: { type: string; data: { kind: string; credential: string; title: string; nextStep: string } } };

const DAY = 86_400_000;
// Each test runs the built CLI several times (a process each): seconds apiece on a loaded machine.
const cliTimeout = 120_000;
const prodApp = demoIds.apps.deployProd;

// The tenant's app management policy, met through the CLI as a user runs it, against the sandbox tenant.
describe("tenant app management policies: rotation mints within them, or reports the credential blocked", () => {
  const now = new Date();
  let sandbox: Sandbox | undefined;
  const outputs: string[] = [];

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  /** A fresh sandbox on the demo world, the policies the test declares in the world seed, and a CLI on its own state. */
  async function open(policies?: (world: WorldSpec) => WorldSpec["entra"]["appManagementPolicies"]) {
    const world = demoWorld(now);
    if (policies) world.entra.appManagementPolicies = policies(world);
    const box = await startSandbox(world);
    sandbox = box;
    const dir = mkdtempSync(join(tmpdir(), "watchdog-app-policy-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    const env = { ...box.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    const cli = async (args: string[]) => {
      const run = await runBuiltCli(args, env);
      outputs.push(run.stdout, run.stderr);
      return run;
    };
    const app = box.directory.state.appByAppId(prodApp)!;
    const hooks = () => box.receiver.accepted({ kind: "generic" }).map((h) => h as unknown as Hook);
    const kindOf = (kind: string) => hooks().filter((h) => h.body.data?.kind === kind);
    const canaries = () => secretValuesOf(world, [box.signingSecret, ...box.directory.state.allSecretValues()]);
    return { box, cli, app, kindOf, canaries };
  }

  const restriction = (r: PasswordRestriction) => ({ passwordCredentials: [r], keyCredentials: [] });
  const tenantDefault = (r: PasswordRestriction) => ({ ...defaultTenantPolicy(), isEnabled: true, applicationRestrictions: restriction(r) });
  /** A per-app policy on the prod app alone: no client secrets. */
  const noSecretsOnProd = (world: WorldSpec) => ({
    policies: [
      {
        id: "no-secrets",
        displayName: "No client secrets",
        isEnabled: true,
        restrictions: restriction({ restrictionType: "passwordAddition", state: "enabled" }),
        appliesTo: [world.entra.applications.find((a) => a.appId === prodApp)!.id],
      },
    ],
  });
  const validatePlan = (plan: unknown) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync("schemas/plan.schema.json", "utf8")) as object);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
  };

  it("passwordLifetime: validityDays 90 is capped below the tenant's maxLifetime P30D — in the plan, the journal's step and Graph's endDateTime", async () => {
    const { box, cli, app, canaries } = await open(() => ({ tenantDefault: tenantDefault({ restrictionType: "passwordLifetime", state: "enabled", maxLifetime: "P30D" }) }));
    const planRun = await cli(["plan", "--json"]);
    expect(planRun.code, planRun.stderr).toBe(0);
    const plan = JSON.parse(planRun.stdout) as Plan;
    validatePlan(plan);
    expect(plan.steps.find((s) => s.credential === "prod-deploy")).toMatchObject({ kind: "rotate", note: expect.stringMatching(/validityDays 90 capped to 29\.99 days .*maxLifetime P30D/) });
    expect(plan.steps.find((s) => s.credential === "prod-deploy")?.blocked).toBeUndefined();

    const rotated = await cli(["rotate", "prod-deploy"]);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/start +done .*capped to 29\.99 days/);
    expect(rotated.stdout).toMatch(/prod-deploy: rotation \S+ is pushed/);
    const minted = app.passwordCredentials.find((p) => p.displayName?.startsWith("watchdog-rotation:prod-deploy:"))!;
    const lifetime = Date.parse(minted.endDateTime) - Date.parse(minted.startDateTime);
    expect(lifetime).toBeLessThanOrEqual(30 * DAY);
    expect(lifetime).toBeGreaterThan(29 * DAY);
    // Key Vault's copy expires with it.
    const stored = box.keyVault.state.secrets.get("cci-prod-deploy")!.versions.at(-1)!;
    expect(stored.expiresOn && Date.parse(stored.expiresOn)).toBe(Date.parse(minted.endDateTime));
    expect(leakedSecrets(outputs.join("\n"), canaries())).toEqual([]);
  }, cliTimeout);

  it("passwordAddition on the app's own policy: nothing is minted, a blocked finding says OIDC, one alert; the tenant default's other apps still rotate", async () => {
    const { box, cli, app, kindOf, canaries } = await open(noSecretsOnProd);
    const before = app.passwordCredentials.map((p) => p.keyId);

    const first = await cli(["run", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(app.passwordCredentials.map((p) => p.keyId)).toEqual(before);
    expect(box.log.entries.filter((e) => e.route === "applications.addPassword" && e.path.includes(app.id))).toEqual([]);
    const report = JSON.parse(first.stdout) as { plan: Plan; rotations: Array<{ credential: string; state: string }> };
    const blocked = report.plan.findings.find((f) => f.id === "blocked-by-tenant-policy:prod-deploy")!;
    expect(blocked).toMatchObject({ kind: "blocked-by-tenant-policy", severity: "critical", message: expect.stringMatching(/no-secrets blocks new client secrets .*passwordAddition/) });
    expect(blocked.nextStep).toMatch(/migrate prod-deploy to OIDC federation \(set action: oidc/);
    expect(report.plan.steps.find((s) => s.credential === "prod-deploy")?.blocked).toMatch(/OIDC/);
    // staging-deploy's app has no policy of its own and the tenant default is off: rotated as usual.
    expect(report.rotations.map((r) => `${r.credential} ${r.state}`)).toEqual(["staging-deploy pushed"]);
    const alerts = kindOf("blocked-by-tenant-policy");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body.data).toMatchObject({ credential: "prod-deploy", nextStep: expect.stringMatching(/OIDC/) });

    const second = await cli(["run"]);
    expect(second.code, second.stderr).toBe(0);
    expect(kindOf("blocked-by-tenant-policy")).toHaveLength(1);

    // A person asking changes nothing either: blocked, exit 1, the way out printed.
    const manual = await cli(["rotate", "prod-deploy"]);
    expect(manual.code).toBe(1);
    expect(manual.stdout).toMatch(/BLOCKED by the tenant's app management policy/);
    expect(manual.stdout).toMatch(/way out: migrate prod-deploy to OIDC/);
    expect(app.passwordCredentials.map((p) => p.keyId)).toEqual(before);

    // doctor names it with the way out, and exits 1.
    const doctor = await cli(["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(new RegExp(`MISSING +tenant app management policy allows new client secrets on app ${prodApp}`));
    expect(doctor.stdout).toMatch(new RegExp(`ok +tenant app management policy allows new client secrets on app ${demoIds.apps.deployStaging}`));
    expect(leakedSecrets(outputs.join("\n"), canaries())).toEqual([]);
  }, cliTimeout);

  it.each(["policy-wording", "generic"] as const)(
    "unreadable policy (no Policy.Read.All) and Graph's 400 refusal (%s): one addPassword, nothing left behind, one blocked alert, no retry storm",
    async (wording) => {
      const { box, cli, app, kindOf, canaries } = await open(noSecretsOnProd);
      box.directory.graph.policyRefusal = wording;
      box.directory.state.revokeRole("Policy.Read.All");
      const before = app.passwordCredentials.map((p) => p.keyId);

      const first = await cli(["run", "--json"]);
      expect(first.code, first.stderr).toBe(0);
      const report = JSON.parse(first.stdout) as { rotations: Array<{ credential: string; state: string; blocked?: { wayOut: string }; failure?: unknown }> };
      const prod = report.rotations.find((r) => r.credential === "prod-deploy")!;
      expect(prod).toMatchObject({ state: "blocked", blocked: { wayOut: expect.stringMatching(/Policy\.Read\.All.*OIDC/) } });
      expect(prod.failure).toBeUndefined();
      const refusals = () => box.log.entries.filter((e) => e.route === "applications.addPassword" && e.path.includes(app.id));
      expect(refusals().map((e) => e.status)).toEqual([400]);
      expect(app.passwordCredentials.map((p) => p.keyId)).toEqual(before);
      expect(kindOf("blocked-by-tenant-policy")).toHaveLength(1);
      expect(kindOf("rotation-failed")).toEqual([]);

      // The rest does not depend on the wording (nothing reads it): checked once.
      if (wording === "generic") return;
      // The plan keeps saying it; the next cycles neither ask Graph again nor alert again.
      const plan = JSON.parse((await cli(["plan", "--json"])).stdout) as Plan;
      expect(plan.findings.find((f) => f.id === "blocked-by-tenant-policy:prod-deploy")).toMatchObject({ nextStep: expect.stringMatching(/OIDC/) });
      expect((await cli(["run"])).code).toBe(0);
      expect(refusals()).toHaveLength(1);
      expect(kindOf("blocked-by-tenant-policy")).toHaveLength(1);

      const doctor = await cli(["doctor"]);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(/MISSING +Graph Policy\.Read\.All/);
      expect(doctor.stdout).toMatch(new RegExp(`unverif +tenant app management policy allows new client secrets on app ${prodApp}`));
      expect(leakedSecrets(outputs.join("\n"), canaries())).toEqual([]);
    },
    cliTimeout,
  );

  it("never mints what cannot be pushed: a context the token's user may not manage stops the rotation before the mint", async () => {
    const { box, cli, app } = await open();
    box.circleci.state.restrictedContexts.set("prod-deploy", 403);
    const before = app.passwordCredentials.map((p) => p.keyId);
    const run = await cli(["rotate", "prod-deploy"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED at start: CircleCI context prod-deploy cannot be managed with this token .*nothing was minted/);
    expect(box.log.entries.filter((e) => e.route === "applications.addPassword")).toEqual([]);
    expect(app.passwordCredentials.map((p) => p.keyId)).toEqual(before);
  }, cliTimeout);

  it("a store Key Vault refuses (RBAC: Secrets User cannot set) removes the password minted for it at once, and alerts once", async () => {
    const { box, cli, app, kindOf } = await open();
    box.keyVault.rbac.enabled = true;
    box.keyVault.rbac.assign(box.directory.state.managedIdentity.principalId, "Key Vault Secrets User");
    const before = app.passwordCredentials.map((p) => p.keyId).sort();
    for (let i = 0; i < 2; i++) {
      const run = await cli(["run"]);
      expect(run.code).toBe(1);
      expect(app.passwordCredentials.map((p) => p.keyId).sort()).toEqual(before);
    }
    expect(box.log.entries.filter((e) => e.route === "applications.addPassword" && e.path.includes(app.id)).length).toBeGreaterThan(0);
    expect(kindOf("rotation-failed").filter((h) => h.body.data.credential === "prod-deploy")).toHaveLength(1);
  }, cliTimeout);
});
