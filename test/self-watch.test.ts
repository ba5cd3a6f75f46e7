// selfWatch through the CLI as a user runs it (`watchdog run`, `watchdog health` in child processes): the watchdog's
// own CircleCI token expiring (its Key Vault secret's exp), a revoked token failing cycles (one critical alert after
// alertAfterFailedCycles, one "resolved" on recovery), and the dead-man's-switch ping after successes only.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { runBuiltCli, type CliRun } from "./support/cli.js";

const day = 86_400_000;

interface Delivered {
  data: { kind: string; credential: string; title: string; nextStep: string; severity: string };
}

describe("selfWatch: the watchdog watching itself", () => {
  const now = new Date();
  let world: WorldSpec;
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let secrets: string[];
  const outputs: CliRun[] = [];
  const heartbeatTail = "/0f3c9a7e-heartbeat-secret-tail";

  const run = async (args: string[]) => {
    const result = await runBuiltCli(args, env);
    outputs.push(result);
    return result;
  };
  const delivered = () => sandbox.receiver.accepted({ kind: "generic" }).map((h) => h.body as Delivered);
  const about = (credential: string) => delivered().filter((d) => d.data.credential === credential);

  beforeAll(async () => {
    world = demoWorld(now);
    world.keyVault.secrets.push(
      { name: "circleci-token", versions: [{ value: "CCIPAT_token_canary_value_0001", createdOn: new Date(now.getTime() - 300 * day).toISOString(), expiresOn: new Date(now.getTime() + 10 * day - 3_600_000).toISOString() }] },
    );
    sandbox = await startSandbox(world);
    const dir = mkdtempSync(join(tmpdir(), "watchdog-self-watch-"));
    writeFileSync(
      join(dir, "policy.yaml"),
      `version: 1
alerts:
  thresholdsDays: [14, 3]
  webhooks:
    - name: ops
      kind: generic
      url: \${OPS_WEBHOOK_URL}
      signingSecret: \${OPS_WEBHOOK_SECRET}
selfWatch:
  heartbeatUrl: \${HEARTBEAT_URL}
  alertAfterFailedCycles: 2
  circleciTokenSecret: circleci-token
credentials:
  - name: data-pipeline
    circleci: { context: data-pipeline, variable: ARM_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.dataEtl} }
    action: watch
`,
    );
    const heartbeatUrl = sandbox.receiver.pingUrl("watchdog", heartbeatTail);
    env = { ...sandbox.env, HEARTBEAT_URL: heartbeatUrl, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    secrets = [...secretValuesOf(world, [sandbox.signingSecret]), heartbeatUrl, heartbeatTail.slice(1)];
  });
  afterAll(() => sandbox.close());

  it("alerts on its own CircleCI token's expiry (the Key Vault secret's exp) at the policy's thresholds, and pings after the success", async () => {
    const first = await run(["run"]);
    expect(first.code, first.stderr).toBe(0);
    const token = about("watchdog-circleci-token");
    expect(token.map((d) => d.data.title)).toEqual(["watchdog-circleci-token: Key Vault secret expires in 10 days (within 14 days)"]);
    expect(token[0]!.data.nextStep).toMatch(/new CircleCI personal API token.*Key Vault secret circleci-token/);
    expect(sandbox.receiver.pings.map((p) => p.status)).toEqual([200]);
    const health = JSON.parse((await run(["health", "--json"])).stdout) as { status: string; lastCycle: { failuresInRow: number; lastResult: string }; nextTimerRun: string };
    expect(health).toMatchObject({ status: "healthy", lastCycle: { failuresInRow: 0, lastResult: "succeeded" } });
    expect(Date.parse(health.nextTimerRun)).toBeGreaterThan(Date.now());
  });

  it("doctor checks the token's Key Vault secret: its expiry is there; without one it says how to set it", async () => {
    const doctor = async () => (JSON.parse((await run(["doctor", "--json"])).stdout) as { checks: Array<{ need: string; status: string; fix: string; detail?: string }> }).checks;
    const line = (checks: Awaited<ReturnType<typeof doctor>>) => checks.find((c) => c.need === "Key Vault secret circleci-token carries the CircleCI token's expiry");
    expect(line(await doctor())).toMatchObject({ status: "present", detail: expect.stringMatching(/^expires /) });
    const version = sandbox.keyVault.state.secret("circleci-token")!.versions[0]!;
    const expiresOn = version.expiresOn;
    delete version.expiresOn;
    try {
      expect(line(await doctor())).toMatchObject({ status: "unverified", fix: expect.stringContaining("az keyvault secret set-attributes --name circleci-token --expires") });
    } finally {
      version.expiresOn = expiresOn;
    }
  });

  it("a revoked CircleCI token: the 401 names the likely cause, one critical alert after two failed cycles, no ping meanwhile, one resolved on recovery", async () => {
    const pingsBefore = sandbox.receiver.pings.length;
    const realToken = sandbox.circleci.state.token;
    sandbox.circleci.state.token = "a-token-circleci-no-longer-accepts";

    const second = await run(["run"]);
    expect(second.stdout + second.stderr).toMatch(/401.*expired or been revoked/s);
    expect(about("secret-watchdog")).toEqual([]);

    await run(["run"]);
    const failing = about("secret-watchdog");
    expect(failing.map((d) => [d.data.kind, d.data.severity])).toEqual([["watchdog-failing", "critical"]]);
    expect(failing[0]!.data.title).toMatch(/^secret-watchdog: 2 cycles in a row failed or read an incomplete inventory \(since /);
    expect(failing[0]!.data.nextStep).toMatch(/expired or been revoked/);
    const health = JSON.parse((await run(["health", "--json"])).stdout) as { status: string; lastCycle: { failuresInRow: number } };
    expect(health).toMatchObject({ status: "failing", lastCycle: { failuresInRow: 2 } });
    const doctor = await run(["doctor", "--json"]);
    expect(doctor.code).toBe(1);
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ need: string; status: string; fix: string }> }).checks;
    expect(checks.find((c) => c.need === "CircleCI accepts CIRCLECI_TOKEN")).toMatchObject({ status: "missing", fix: expect.stringContaining("expired or been revoked") });

    await run(["run"]);
    expect(about("secret-watchdog")).toHaveLength(1); // once per run of failures
    expect(sandbox.receiver.pings.length).toBe(pingsBefore); // a failed cycle never pings

    sandbox.circleci.state.token = realToken;
    const recovered = await run(["run"]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(about("secret-watchdog").map((d) => d.data.kind)).toEqual(["watchdog-failing", "resolved"]);
    expect(sandbox.receiver.pings.length).toBe(pingsBefore + 1);
    expect((await run(["health"])).stdout).toMatch(/^last cycle succeeded/);
  });

  it("a heartbeat that fails is reported, not retried, and does not fail the cycle", async () => {
    sandbox.receiver.fail("ping:watchdog", { status: 500, times: 5 });
    const before = sandbox.receiver.pings.length;
    const result = await run(["run", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { heartbeat: { sent: boolean; ok: boolean; note: string }; failures: unknown[] };
    expect(report.heartbeat).toMatchObject({ sent: true, ok: false, note: "heartbeat answered HTTP 500" });
    expect(report.failures).toEqual([]);
    expect(sandbox.receiver.pings.length).toBe(before + 1);
    sandbox.receiver.heal("ping:watchdog");
  });

  it("never prints, stores or sends the token, the heartbeat URL or any other secret", () => {
    const everything = JSON.stringify([outputs, sandbox.receiver.received.map((r) => r.rawBody)]);
    expect(leakedSecrets(everything, secrets)).toEqual([]);
  });
});
