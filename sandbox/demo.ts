// `npm start`: a full watchdog cycle against the built-in sandbox world. The watchdog runs as a child
// process (`node dist/cli.js run`) with nothing but the settings a user would set, pointed at the emulators.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Webhook } from "standardwebhooks";
import { defaultTlsDir, ensureSandboxTls } from "./core/ca.js";
import { runPrintedLogin } from "./pipeline/oidc-login.js";
import type { ReceivedWebhook } from "./receiver/index.js";
import { startSandbox, type Sandbox } from "./start.js";
import { busyOrgPolicyYaml, busyOrgShape, busyOrgWorld } from "./world/busy-org.js";
import { demoIds, demoPolicyYaml, demoWorld } from "./world/demo.js";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function runWatchdog(args: string[], env: NodeJS.ProcessEnv, stdout: "inherit" | "ignore" = "inherit"): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve("dist/cli.js"), ...args], { env, stdio: ["inherit", stdout, "inherit"] });
    child.on("error", fail);
    child.on("exit", (code) => done(code ?? 1));
  });
}

function captureWatchdog(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve("dist/cli.js"), ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("exit", (code) => done({ code: code ?? 1, stdout }));
  });
}

/**
 * A CircleCI pipeline of the demo world after the migration: a job of project api, triggered by the deploy
 * user on main with the terraform context, runs the login step the watchdog printed; a job of an unplanned
 * branch-less project is refused. Tokens come from the sandbox's CircleCI issuer; Entra checks them.
 */
async function simulatePipeline(sandbox: Sandbox, env: NodeJS.ProcessEnv): Promise<void> {
  const { stdout } = await captureWatchdog(["migrate", "terraform", "--json"], env);
  const change = (JSON.parse(stdout) as { status?: { pipelineChange?: string } }).status?.pipelineChange;
  if (!change) {
    console.log("(the terraform migration has no pipeline change to run yet)");
    return;
  }
  const terraform = sandbox.circleci.state.contexts.find((c) => c.name === "terraform");
  const variables = Object.fromEntries((terraform?.variables ?? []).filter((v) => v.name.startsWith("AZURE_")).map((v) => [v.name, v.value]));
  const loginLines = change.split("\n").filter((line) => /^\s+(TOKEN=|az login)/.test(line));
  const job = (projectId: string) =>
    sandbox.job({ projectId, userId: demoIds.userId, contextIds: [terraform?.id ?? ""], vcsOrigin: "github.com/acme/api", vcsRef: "refs/heads/main" });
  const host = sandbox.env.AZURE_AUTHORITY_HOST!;
  console.log(bold("\nA pipeline after the migration: job deploy of project api (context terraform) runs the printed login step"));
  for (const line of loginLines) console.log(`  $ ${line.trim()}`);
  const ok = await runPrintedLogin({ pipelineChange: change, job: await job(demoIds.projectIds.api), variables, authorityHost: host });
  console.log(ok.ok ? `  -> signed in to Entra app ${demoIds.apps.terraformCi} with CircleCI's OIDC token: no client secret used` : `  -> refused: ${ok.code ? `AADSTS${ok.code}` : ok.message}`);
  const other = await runPrintedLogin({ pipelineChange: change, job: await job(demoIds.projectIds.web), variables, authorityHost: host });
  console.log(`  The same step in project web, which the policy does not list: ${other.ok ? "signed in (unexpected!)" : `refused (AADSTS${other.code ?? "?"})`}`);
}

/**
 * Drift, as it happens: after the first run rotated staging-deploy, a person pastes another value into its CircleCI
 * context (the API call the web app makes). The next run sees CircleCI's `updated_at` move past the one CircleCI
 * answered to the watchdog's push: one `drifted` finding and alert, and the old password is kept.
 */
async function simulateHandChange(sandbox: Sandbox, env: NodeJS.ProcessEnv): Promise<void> {
  const context = sandbox.circleci.state.context("staging-deploy");
  if (!context) return;
  console.log(bold("\nSomeone pastes another value into CircleCI context staging-deploy by hand"));
  console.log(`  $ curl -X PUT ${env.CIRCLECI_API_URL}/context/${context.id}/environment-variable/AZURE_CLIENT_SECRET -d '{"value":"…"}'`);
  const response = await fetch(`${env.CIRCLECI_API_URL}/context/${context.id}/environment-variable/AZURE_CLIENT_SECRET`, {
    method: "PUT",
    headers: { "Circle-Token": env.CIRCLECI_TOKEN ?? "", "content-type": "application/json" },
    body: JSON.stringify({ value: `hand-set-${randomUUID()}` }),
  });
  console.log(`  -> ${response.status}, updated_at ${((await response.json()) as { updated_at?: string }).updated_at ?? "?"} (CircleCI's clock)`);
  const before = sandbox.receiver.received.length;
  console.log(bold("$ watchdog run   # the next cycle"));
  const code = await runWatchdog(["run"], env, "ignore");
  const drift = sandbox.receiver.received.slice(before).filter((h) => h.kind === "generic" && (h.body as GenericBody).data?.kind === "drifted");
  for (const hook of drift) {
    const data = (hook.body as GenericBody).data;
    console.log(`  alert (${data?.severity ?? "?"}): ${data?.title ?? ""}`);
    console.log(`    next step: ${data?.nextStep ?? ""}`);
  }
  console.log(`(watchdog exited with ${code}; ${drift.length} drifted alert${drift.length === 1 ? "" : "s"}: staging-deploy's old password stays until the drift is resolved)`);
}

interface GenericBody {
  data?: { title?: string; severity?: string; kind?: string; nextStep?: string };
}

/** What reached the receiver, per sink, with every generic signature checked the way a receiver would. */
function printDeliveries(received: ReceivedWebhook[], signingSecret: string): void {
  console.log(bold(`Webhooks received by the sandbox receiver: ${received.length}`));
  const verifier = new Webhook(signingSecret);
  const bySink = new Map<string, ReceivedWebhook[]>();
  for (const hook of received) bySink.set(`${hook.kind}/${hook.name}`, [...(bySink.get(`${hook.kind}/${hook.name}`) ?? []), hook]);
  for (const [sink, hooks] of bySink) {
    const verified = hooks.filter((hook) => {
      if (hook.kind !== "generic") return false;
      try {
        verifier.verify(hook.rawBody, hook.headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    }).length;
    const signature = sink.startsWith("generic/") ? ` (Standard Webhooks signature verified on ${verified} of ${hooks.length})` : "";
    console.log(`  ${sink}: ${hooks.length} messages${signature}`);
  }
  const generic = received.filter((hook) => hook.kind === "generic").map((hook) => (hook.body as GenericBody | undefined)?.data ?? {});
  const rank = (severity?: string) => ["critical", "warning", "info"].indexOf(severity ?? "info");
  generic.sort((a, b) => rank(a.severity) - rank(b.severity));
  const shown = 12;
  console.log("\n  What they say (most severe first):");
  for (const alert of generic.slice(0, shown)) console.log(`   [${alert.severity}] ${alert.title}`);
  if (generic.length > shown) console.log(`   … and ${generic.length - shown} more (each once: a second run sends none of them again)`);
}

/** What one run delivered to each sink: chat messages by title, generic events counted. */
function printRun(received: ReceivedWebhook[]): void {
  if (received.length === 0) {
    console.log("  nothing was sent");
    return;
  }
  const bySink = new Map<string, ReceivedWebhook[]>();
  for (const hook of received) bySink.set(`${hook.kind}/${hook.name}`, [...(bySink.get(`${hook.kind}/${hook.name}`) ?? []), hook]);
  for (const [sink, hooks] of bySink) {
    console.log(`  ${sink}: ${hooks.length} message${hooks.length === 1 ? "" : "s"}`);
    if (!sink.startsWith("slack/")) continue;
    for (const hook of hooks) console.log(`    "${(hook.body as { text?: string } | undefined)?.text ?? ""}"`);
  }
}

/**
 * `npm start -- --busy-org`: the organization of issue 17 (300 expiring app secrets, 60 old variables, one
 * Slack channel paced like Slack). The first run announces one baseline per chat sink, the second sends nothing,
 * a third a day later sends the thresholds crossed overnight as one digest.
 */
// The first run delivers 360 signed events through the embedded state store: about a minute on a laptop.
const crossingAfterMs = 150_000;

async function busyOrg(demoDir: string): Promise<void> {
  const policyPath = join(demoDir, "watchdog.policy.yaml");
  writeFileSync(policyPath, busyOrgPolicyYaml);
  console.log(bold("secret-watchdog sandbox: a busy organization"));
  // The CLI reads the real clock, so time cannot be moved for it: one secret is seeded to cross its 14-day
  // threshold a few minutes from now, and the third run waits for that minute to pass.
  const crossingAt = Date.now() + crossingAfterMs;
  const sandbox = await startSandbox(busyOrgWorld(new Date(crossingAt - crossingAfterMs), { crossingAfterMs }));
  try {
    sandbox.receiver.pace("platform-slack");
    console.log(
      `${busyOrgShape.apps} app registrations with secrets expiring over the next 30 days, ` +
        `${busyOrgShape.contexts * busyOrgShape.variablesPerContext} old context variables, one Slack channel (paced like Slack: 1 message/s, 429 + Retry-After).\n`,
    );
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, WATCHDOG_POLICY: policyPath, WATCHDOG_STATE_DIR: join(demoDir, "state") };
    let code = 0;
    for (const label of ["first run", "second run", "third run, once one secret has crossed its 14-day threshold"]) {
      if (label.startsWith("third")) {
        const wait = crossingAt - Date.now() + 1000;
        if (wait <= 1000) console.log("(the first two runs took longer than the seeded crossing: the second run already saw it)");
        if (wait > 0) {
          console.log(`(waiting ${Math.ceil(wait / 1000)} s for service-299's secret to reach 14 days left)`);
          await new Promise((done) => setTimeout(done, wait));
        }
      }
      sandbox.receiver.clear();
      console.log(bold(`$ watchdog run   # ${label}`));
      code = await runWatchdog(["run"], env, "ignore");
      printRun(sandbox.receiver.received);
      console.log("");
    }
    process.exitCode = code;
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const now = new Date();
  const demoDir = resolve(".sandbox", "demo");
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  if (process.argv.includes("--busy-org")) return busyOrg(demoDir);
  const policyPath = join(demoDir, "watchdog.policy.yaml");
  // The demo also watches the watcher: a dead-man's-switch ping after each successful cycle (the sandbox receiver
  // stands in for a ping service) and an alert after two failed cycles in a row.
  writeFileSync(policyPath, `${demoPolicyYaml}selfWatch:\n  heartbeatUrl: \${HEARTBEAT_URL}\n  alertAfterFailedCycles: 2\n`);

  console.log(bold("secret-watchdog sandbox demo"));
  console.log("Starting the emulators (CircleCI, Entra, Graph, Key Vault) and a webhook receiver on 127.0.0.1 …");
  // Entra's token endpoint as three replicas that hear of a new secret at different times (sandbox/README.md).
  const sandbox = await startSandbox(demoWorld(now), { replicas: [{ newSecretDelayMs: 150, removalDelayMs: 2_000 }, { newSecretDelayMs: 400 }, { newSecretDelayMs: 700 }] });
  try {
    const world = demoWorld(now);
    console.log(
      `Demo world: org ${world.circleci.org.slug} with ${world.circleci.contexts.length} contexts ` +
        `(${world.circleci.contexts.reduce((n, c) => n + c.variables.length, 0)} variables), ${world.circleci.projects.length} projects, ` +
        `${world.entra.applications.length} app registrations, ${world.keyVault.secrets.length} Key Vault secrets.`,
    );
    console.log(`Policy: ${policyPath}\n`);

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...sandbox.env,
      HEARTBEAT_URL: sandbox.receiver.pingUrl("watchdog", `/${randomUUID()}`),
      WATCHDOG_POLICY: policyPath,
      WATCHDOG_STATE_DIR: join(demoDir, "state"),
    };
    console.log(bold("$ watchdog doctor"));
    const doctorCode = await runWatchdog(["doctor"], env);
    console.log(`\n(watchdog doctor exited with ${doctorCode})\n`);

    console.log(bold("$ watchdog run"));
    const code = await runWatchdog(["run"], env);
    console.log(`\n(watchdog exited with ${code})\n`);

    printDeliveries(sandbox.receiver.received, sandbox.signingSecret);
    const pings = sandbox.receiver.pings.filter((p) => p.status === 200).length;
    console.log(`\n  Heartbeat: ${pings} ping${pings === 1 ? "" : "s"} received by the dead-man's switch (sent after each successful cycle only).`);

    await simulateHandChange(sandbox, env);

    console.log(bold("\n$ watchdog health"));
    await runWatchdog(["health"], env);

    await simulatePipeline(sandbox, env);

    console.log(bold("\n$ watchdog report --html " + join(demoDir, "report.html")));
    await runWatchdog(["report", "--html", join(demoDir, "report.html")], env);
    console.log("Open it in a browser: one self-contained page (no external requests), with a 90-day expiry timeline.");
    process.exitCode = code;
  } finally {
    await sandbox.close();
  }
}

/**
 * The simulated pipeline signs in from this process, so it must trust the sandbox CA; Node reads
 * NODE_EXTRA_CA_CERTS only at start, so the demo starts itself again with it when it is not set.
 */
function relaunchTrustingSandboxCa(): boolean {
  const caPath = ensureSandboxTls(defaultTlsDir()).caPath;
  if (process.env.NODE_EXTRA_CA_CERTS === caPath) return false;
  const child = spawn(process.execPath, process.argv.slice(1), { env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath }, stdio: "inherit" });
  child.on("exit", (code) => (process.exitCode = code ?? 1));
  return true;
}

if (!relaunchTrustingSandboxCa()) {
  main().catch((error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  });
}
