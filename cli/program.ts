import { writeFile } from "node:fs/promises";
import { Command, CommanderError } from "commander";
import { BadInputError } from "../shared/app/errors.js";
import { checkPolicyFile, openWatchdog } from "../shared/app/watchdog.js";
import { isBusy } from "../shared/engine/rotation/index.js";
import { formatCheckPolicy, formatCycle, formatInventory, formatPlan, formatProgress, formatRotation } from "./format.js";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Parses argv, calls the app, maps the outcome to output and an exit code (contract §3). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const progress = (text: string) => io.stderr.write(text);
  const program = new Command()
    .name("watchdog")
    .description("Finds, rotates and alerts on the credentials CircleCI pipelines depend on.")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  program
    .command("run")
    .description("one full cycle: inventory -> plan -> act -> alert (what the timer function does)")
    .option("--dry-run", "plan and print, change nothing and send nothing")
    .option("--json", "print one JSON document (schemas/cycle-report.schema.json)")
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      const watchdog = await openWatchdog(io.env);
      const report = await watchdog.run({ dryRun: options.dryRun === true, actor: "cli", onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(report) : formatCycle(report));
      code = report.failures.length > 0 ? EXIT.failed : EXIT.ok;
    });

  program
    .command("plan")
    .description("the plan only; changes nothing anywhere")
    .option("--json", "print the plan as JSON (schemas/plan.schema.json)")
    .action(async (options: { json?: boolean }) => {
      const watchdog = await openWatchdog(io.env);
      const plan = await watchdog.plan({ onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(plan) : formatPlan(plan));
    });

  program
    .command("inventory")
    .description("every secret found in CircleCI, Entra and Key Vault (metadata only)")
    .option("--json", "print the snapshot as JSON")
    .action(async (options: { json?: boolean }) => {
      const watchdog = await openWatchdog(io.env);
      const snapshot = await watchdog.inventory({ onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(snapshot) : formatInventory(snapshot));
    });

  program
    .command("rotate")
    .description("manual rotation of one policy credential (what POST /api/credentials/{name}/rotate does)")
    .argument("<credential-name>", "a credential of the policy with action: rotate")
    .option("--dry-run", "say what the rotation would do, change nothing")
    .option("--json", "print the outcome as JSON")
    .action(async (name: string, options: { dryRun?: boolean; json?: boolean }) => {
      const watchdog = await openWatchdog(io.env);
      const result = await watchdog.rotate(name, { actor: `cli:${io.env.USER ?? io.env.USERNAME ?? "unknown"}`, dryRun: options.dryRun === true });
      io.stdout.write(options.json ? json(result.dryRun ? result.plan : result.outcome) : formatRotation(result));
      if (!result.dryRun && (isBusy(result.outcome) || result.outcome.failure)) code = EXIT.failed;
    });

  program
    .command("report")
    .description("the HTML status page: totals, a 90-day expiry timeline, every credential, the latest audit events")
    .option("--html <file>", "write the page to this file (default: stdout)")
    .action(async (options: { html?: string }) => {
      const watchdog = await openWatchdog(io.env);
      const page = await watchdog.report();
      if (options.html) {
        await writeFile(options.html, page);
        io.stdout.write(`wrote ${options.html} (${Buffer.byteLength(page)} bytes)\n`);
      } else {
        io.stdout.write(page);
      }
    });

  program
    .command("check-policy")
    .description("validate a policy file and exit (default: WATCHDOG_POLICY)")
    .argument("[file]", "policy file (YAML or JSON)")
    .action(async (file: string | undefined) => {
      const result = await checkPolicyFile(io.env, file);
      io.stdout.write(formatCheckPolicy(result));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof BadInputError) {
      io.stderr.write(`watchdog: ${error.message}\n`);
      return EXIT.badInput;
    }
    io.stderr.write(`watchdog: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
