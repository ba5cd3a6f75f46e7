// `npm run bench`: the project's inventory against the sandbox at three world sizes, beside a sequential
// baseline, plus the cold start of the Functions bundles. Prints a report (or one JSON document with
// --json). Not part of `npm test`: it takes about two minutes and measures, it does not assert.
//
//   npm run bench [-- --json] [--sizes small,medium] [--no-baseline] [--cold-start-runs 11]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { measureColdStart, type ColdStart } from "./cold-start.js";
import { benchConditions } from "./conditions.js";
import { describeColdStart, describeConditions, describeSize, describeTargets } from "./report.js";
import { benchSize, type SizeResult } from "./run-size.js";
import { serveSandbox, serveSandboxFlag } from "./sandbox-process.js";
import { judge } from "./targets.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { worldShapes, type WorldSize } from "../sandbox/world/generate.js";

interface BenchOptions {
  json: boolean;
  sizes: WorldSize[];
  baseline: boolean;
  coldStartRuns: number;
}

/** Given to the child process that measures one size. */
const measureFlag = "--measure-size";
// Settings that would steer DefaultAzureCredential away from the sandbox's managed identity.
const foreignSettings = ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "AzureWebJobsStorage"];

const isSize = (value: string): value is WorldSize => Object.hasOwn(worldShapes, value);

function parseOptions(args: string[]): BenchOptions {
  const options: BenchOptions = { json: false, sizes: ["small", "medium", "large"], baseline: true, coldStartRuns: 11 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--json") options.json = true;
    else if (arg === "--no-baseline") options.baseline = false;
    else if (arg === "--sizes") {
      const sizes = (args[++i] ?? "").split(",").filter(Boolean);
      if (sizes.length === 0 || !sizes.every(isSize)) throw new Error(`--sizes takes a list of small, medium, large (got "${args[i] ?? ""}")`);
      options.sizes = sizes;
    } else if (arg === "--cold-start-runs") {
      const runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 0) throw new Error("--cold-start-runs takes a whole number (0 skips the cold start)");
      options.coldStartRuns = runs;
    } else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/**
 * Each size is measured in a fresh process: a cold start as a new Functions worker has it, RSS of that
 * size alone, and no token cached by an earlier sandbox. Node reads NODE_EXTRA_CA_CERTS only when a
 * process starts, so the child gets the sandbox CA then (and --expose-gc, so runs start collected).
 */
function measureInChild(size: WorldSize, baseline: boolean): SizeResult {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: ensureSandboxTls(defaultTlsDir()).caPath };
  for (const name of foreignSettings) Reflect.deleteProperty(env, name);
  const args = ["--expose-gc", process.argv[1] ?? "", measureFlag, size, ...(baseline ? [] : ["--no-baseline"])];
  const child = spawnSync(process.execPath, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`measuring the ${size} world failed (exit status ${child.status ?? child.signal})`);
  return JSON.parse(child.stdout) as SizeResult;
}

async function measureOneSize(args: string[]): Promise<void> {
  const size = args[args.indexOf(measureFlag) + 1] ?? "";
  if (!isSize(size)) throw new Error(`${measureFlag} takes small, medium or large`);
  const result = await benchSize(size, { baseline: !args.includes("--no-baseline") });
  process.stdout.write(JSON.stringify(result));
}

function main(options: BenchOptions): void {
  const say = (lines: string[]) => {
    if (!options.json) console.log(lines.join("\n"));
  };
  say([`secret-watchdog benchmark — Node ${process.version}, ${availableParallelism()} CPUs`]);

  const sizes: SizeResult[] = [];
  for (const size of options.sizes) {
    const result = measureInChild(size, options.baseline);
    if (sizes.length === 0) say(describeConditions(result.circleConcurrency));
    sizes.push(result);
    say(describeSize(result));
  }

  let coldStart: ColdStart | undefined;
  if (options.coldStartRuns > 0) {
    const functionsDir = resolve(dirname(process.argv[1] ?? "."), "..", "functions");
    // The host loads every file that package.json "main" (dist/functions/*.js) matches: small entries that register their
    // function and load the one app bundle (dist/app/function-handlers.js) on their first invocation — shown last, for honesty.
    const entries = readdirSync(functionsDir).filter((f) => f.endsWith(".js")).sort();
    coldStart = measureColdStart(
      [
        { label: "dist/functions/timer.js", files: [resolve(functionsDir, "timer.js")] },
        { label: "dist/functions/http-plan.js", files: [resolve(functionsDir, "http-plan.js")] },
        { label: `all ${entries.length} entries (what the host loads)`, files: entries.map((f) => resolve(functionsDir, f)) },
        {
          label: `all ${entries.length} entries + the app bundle (first invocation)`,
          files: [...entries.map((f) => resolve(functionsDir, f)), resolve(functionsDir, "..", "app", "function-handlers.js")],
        },
      ],
      options.coldStartRuns,
    );
    say(describeColdStart(coldStart));
  }

  const targets = judge(sizes, coldStart);
  say(describeTargets(targets));
  if (options.json) console.log(JSON.stringify({ node: process.version, conditions: benchConditions, sizes, coldStart, targets }, null, 2));
}

async function serveOneSandbox(args: string[]): Promise<void> {
  const [size = "", now = ""] = args.slice(args.indexOf(serveSandboxFlag) + 1);
  if (!isSize(size) || Number.isNaN(Date.parse(now))) throw new Error(`${serveSandboxFlag} takes a size and an ISO time`);
  await serveSandbox(size, new Date(now));
}

const args = process.argv.slice(2);
const run = async () => {
  if (args.includes(serveSandboxFlag)) return serveOneSandbox(args);
  if (args.includes(measureFlag)) return measureOneSize(args);
  return main(parseOptions(args));
};
run().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
