import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { leakedFragments, leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";
import { runBuiltCli, type CliRun } from "./support/cli.js";

// The defect: a Key Vault read-back answered 200 with a truncated body made the SDK throw a parse error quoting
// the body — the newly minted secret — and that message went into the result, the journal, the audit log, the
// rotation-failed alert (every webhook), the report and the CLI's output. Driven as a user would: the built CLI
// against the sandbox, with the vault's answer spoiled by its fault knob.
describe("a minted secret read back from a spoiled Key Vault answer reaches no output", () => {
  const now = new Date();
  let world: WorldSpec;
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const outputs: CliRun[] = [];

  const cli = async (args: string[]) => {
    const run = await runBuiltCli(args, env);
    outputs.push(run);
    return run;
  };

  beforeAll(async () => {
    world = demoWorld(now);
    sandbox = await startSandbox(world);
    dir = mkdtempSync(join(tmpdir(), "watchdog-leak-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
  });
  afterAll(() => sandbox?.close());

  it("the push is refused once, then the next cycle's read-back is spoiled (truncated, then malformed): the rotation fails at the push and alerts", async () => {
    // Minted, stored and verified; CircleCI refuses the push: the value now lives only in Key Vault and Entra.
    sandbox.circleci.faults.set("context.envvar.put", { failTimes: 1, failStatus: 400 });
    const first = await cli(["rotate", "prod-deploy"]);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    sandbox.circleci.faults.clear();

    for (const spoil of ["truncated", "malformed"] as const) {
      sandbox.keyVault.faults.set(keyVaultRoutes.getSecret, { spoilSuccessTimes: 20, spoilSuccess: spoil });
      const run = await cli(["run"]);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/prod-deploy[\s\S]*push/);
      sandbox.keyVault.faults.clear();
    }
    expect(sandbox.keyVault.faults.injected.spoiled).toBeGreaterThanOrEqual(2);
    const generic = sandbox.receiver.received.filter((h) => h.kind === "generic").map((h) => h.rawBody);
    expect(generic.some((body) => body.includes("rotation-failed") && body.includes("prod-deploy"))).toBe(true);

    const report = await cli(["report", "--html", join(dir, "report.html")]);
    expect(report.code, report.stderr).toBe(0);
    const json = await cli(["rotate", "prod-deploy", "--json"]);
    expect(json.stdout.length).toBeGreaterThan(0);
    // Five CLI processes, each a full start; the first cycle also rotates staging-deploy and sends every alert.
  }, 120_000);

  it("no secret — the minted one, the world's, the webhook URLs — is in the CLI output, state (journal, audit, outbox), webhooks or report", () => {
    const minted = sandbox.directory.state.allSecretValues();
    const vault = sandbox.keyVault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    const canaries = [...new Set([...secretValuesOf(world, [sandbox.signingSecret, ...webhookUrlsOf(sandbox.env)]), ...minted, ...vault])];
    const stateDir = join(dir, "state");
    const places: Record<string, string> = {
      "CLI output": outputs.map((o) => o.stdout + o.stderr).join("\n"),
      state: readdirSync(stateDir).map((f) => readFileSync(join(stateDir, f), "utf8")).join("\n"),
      webhooks: sandbox.receiver.received.map((h) => h.rawBody).join("\n"),
      report: readFileSync(join(dir, "report.html"), "utf8"),
    };
    expect(places.state).toMatch(/rotation\.stored/);
    // The value the spoiled answers held: not even a piece of it.
    const spoiledValue = sandbox.keyVault.state.versions("cci-prod-deploy").at(-1)!.value;
    for (const [place, text] of Object.entries(places)) {
      expect(leakedSecrets(text, canaries), place).toEqual([]);
      expect(leakedFragments(text, [spoiledValue]), place).toEqual([]);
    }
  });
});
