// `npm start`: a full watchdog cycle against the built-in sandbox world. The watchdog runs as a child
// process (`node dist/cli.js run`) with nothing but the settings a user would set, pointed at the emulators.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Webhook } from "standardwebhooks";
import type { ReceivedWebhook } from "./receiver/index.js";
import { startSandbox } from "./start.js";
import { demoPolicyYaml, demoWorld } from "./world/demo.js";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function runWatchdog(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve("dist/cli.js"), ...args], { env, stdio: "inherit" });
    child.on("error", fail);
    child.on("exit", (code) => done(code ?? 1));
  });
}

interface GenericBody {
  data?: { title?: string; severity?: string };
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
    console.log(`  ${sink}: ${hooks.length} alerts${signature}`);
  }
  const generic = received.filter((hook) => hook.kind === "generic").map((hook) => (hook.body as GenericBody | undefined)?.data ?? {});
  const rank = (severity?: string) => ["critical", "warning", "info"].indexOf(severity ?? "info");
  generic.sort((a, b) => rank(a.severity) - rank(b.severity));
  const shown = 12;
  console.log("\n  What they say (most severe first):");
  for (const alert of generic.slice(0, shown)) console.log(`   [${alert.severity}] ${alert.title}`);
  if (generic.length > shown) console.log(`   … and ${generic.length - shown} more (each once: a second run sends none of them again)`);
}

async function main(): Promise<void> {
  const now = new Date();
  const demoDir = resolve(".sandbox", "demo");
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  const policyPath = join(demoDir, "watchdog.policy.yaml");
  writeFileSync(policyPath, demoPolicyYaml);

  console.log(bold("secret-watchdog sandbox demo"));
  console.log("Starting the emulators (CircleCI, Entra, Graph, Key Vault) and a webhook receiver on 127.0.0.1 …");
  const sandbox = await startSandbox(demoWorld(now));
  try {
    const world = demoWorld(now);
    console.log(
      `Demo world: org ${world.circleci.org.slug} with ${world.circleci.contexts.length} contexts ` +
        `(${world.circleci.contexts.reduce((n, c) => n + c.variables.length, 0)} variables), ${world.circleci.projects.length} projects, ` +
        `${world.entra.applications.length} app registrations, ${world.keyVault.secrets.length} Key Vault secrets.`,
    );
    console.log(`Policy: ${policyPath}\n`);

    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, WATCHDOG_POLICY: policyPath, WATCHDOG_STATE_DIR: join(demoDir, "state") };
    console.log(bold("$ watchdog run"));
    const code = await runWatchdog(["run"], env);
    console.log(`\n(watchdog exited with ${code})\n`);

    printDeliveries(sandbox.receiver.received, sandbox.signingSecret);

    console.log(bold("\n$ watchdog report --html " + join(demoDir, "report.html")));
    await runWatchdog(["report", "--html", join(demoDir, "report.html")], env);
    console.log("Open it in a browser: one self-contained page (no external requests), with a 90-day expiry timeline.");
    process.exitCode = code;
  } finally {
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
