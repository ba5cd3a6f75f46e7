import { describeHealth } from "#shared/domain/self-watch/cycle-health.js";
import { writeFile } from "node:fs/promises";
import { Command, CommanderError } from "commander";
import { BadInputError } from "#shared/app/errors.js";
import { checkPolicyFile, openWatchdog } from "#shared/app/watchdog.js";
import { openBroker, writeBrokerDocuments } from "#shared/app/broker.js";
import { isBusy } from "#shared/engine/rotation/index.js";
import { isMigrationBusy } from "#shared/engine/migration/index.js";
import type { MigrationCommand } from "#shared/app/watchdog.js";
import { formatDoctor } from "./format-doctor.js";
import { formatOwnership } from "./format-ownership.js";
import { grantOwnershipFromSettings } from "#shared/app/grant-ownership.js";
import { readFile } from "node:fs/promises";
import { storedInventoryAnswer, storedPlanAnswer } from "#shared/app/read-model.js";
import { formatCheckPolicy, formatCycle, formatInventory, formatPlan, formatMigration, formatProgress, formatRotation, formatStoredRead, formatTokenCheck } from "./format.js";

export interface CliIo {
  env: Record<string, string | undefined>;
  /** Everything piped or pasted on standard input (read only by commands that take input there). */
  stdin?: () => Promise<string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

function cliActor(env: CliIo["env"]): string {
  return `cli:${env.USER ?? env.USERNAME ?? "unknown"}`;
}

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
    .option("--no-baseline", "on the first cycle, send every alert one by one instead of one baseline digest per chat sink")
    .action(async (options: { dryRun?: boolean; json?: boolean; baseline: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const report = await watchdog.run({ dryRun: options.dryRun === true, actor: "cli", baseline: options.baseline, onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(report) : formatCycle(report));
      code = report.failures.length > 0 ? EXIT.failed : EXIT.ok;
    });

  const cachedOption = "read the last stored cycle instead of the live sources (no API request; reads live only when nothing is stored yet)";
  const stored = { refresh: false, actor: cliActor(io.env) };

  program
    .command("plan")
    .description("the plan only; changes nothing anywhere")
    .option("--json", "print the plan as JSON (schemas/plan.schema.json)")
    .option("--cached", cachedOption)
    .action(async (options: { json?: boolean; cached?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      if (options.cached) {
        const read = await watchdog.stored(["plan"], stored);
        io.stdout.write(options.json ? json(storedPlanAnswer(read)) : formatStoredRead(read) + formatPlan(read.parts.plan));
        return;
      }
      const plan = await watchdog.plan({ onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(plan) : formatPlan(plan));
    });

  program
    .command("inventory")
    .description("every secret found in CircleCI, Entra and Key Vault (metadata only)")
    .option("--json", "print the snapshot as JSON")
    .option("--cached", cachedOption)
    .action(async (options: { json?: boolean; cached?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      if (options.cached) {
        const read = await watchdog.stored(["snapshot"], stored);
        io.stdout.write(options.json ? json(storedInventoryAnswer(read)) : formatStoredRead(read) + formatInventory(read.parts.snapshot));
        return;
      }
      const snapshot = await watchdog.inventory({ onProgress: options.json ? undefined : (p) => progress(formatProgress(p)) });
      io.stdout.write(options.json ? json(snapshot) : formatInventory(snapshot));
    });

  program
    .command("rotate")
    .description("manual rotation of one policy credential (what POST /api/credentials/{name}/rotate does)")
    .argument("<credential-name>", "a credential of the policy with action: rotate")
    .option("--dry-run", "say what the rotation would do, change nothing")
    .option("--repush", "after a drift: put Key Vault's current value back into CircleCI (no new secret)")
    .option("--json", "print the outcome as JSON")
    .action(async (name: string, options: { dryRun?: boolean; json?: boolean; repush?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const result = await watchdog.rotate(name, { actor: cliActor(io.env), dryRun: options.dryRun === true, repush: options.repush === true });
      io.stdout.write(options.json ? json(result.dryRun ? result.plan : result.outcome) : formatRotation(result));
      if (!result.dryRun && (isBusy(result.outcome) || result.outcome.failure || result.outcome.blocked)) code = EXIT.failed;
    });

  const migrationCommand = (command: MigrationCommand, description: string) =>
    program
      .command(command)
      .description(description)
      .argument("<credential-name>", "a credential of the policy with action: oidc")
      .option("--json", "print the outcome as JSON");
  const runMigration = async (command: MigrationCommand, name: string, options: { json?: boolean; dryRun?: boolean; confirm?: boolean; restart?: boolean }) => {
    const watchdog = await openWatchdog(io.env, { host: "cli" });
    const result = await watchdog.migration(command, name, { actor: cliActor(io.env), dryRun: options.dryRun, confirm: options.confirm, restart: options.restart });
    io.stdout.write(options.json ? json(result.dryRun ? result.preview : result.outcome) : formatMigration(result));
    if (!result.dryRun && (isMigrationBusy(result.outcome) || result.outcome.failure)) code = EXIT.failed;
  };
  migrationCommand("migrate", "advance the OIDC migration of one credential: federated credentials, client/tenant ids, the pipeline change")
    .option("--dry-run", "say what it would do, change nothing")
    .option("--restart", "start again after a rollback")
    .action((name: string, options: { json?: boolean; dryRun?: boolean; restart?: boolean }) => runMigration("migrate", name, options));
  migrationCommand("retire", "remove the client secret of a migrated credential once nothing signs in with it")
    .option("--confirm", "retire although the tenant cannot show sign-in evidence (no Entra ID P1/P2 or AuditLog.Read.All)")
    .option("--dry-run", "say what it would do, change nothing")
    .action((name: string, options: { json?: boolean; dryRun?: boolean; confirm?: boolean }) => runMigration("retire", name, options));
  migrationCommand("rollback", "return a migrated credential to a client secret and remove the federated credentials the watchdog made").action(
    (name: string, options: { json?: boolean }) => runMigration("rollback", name, options),
  );

  program
    .command("oidc")
    .description("(experimental) OIDC helpers")
    .command("check-token")
    .description("decode a CircleCI OIDC token (pasted on stdin, or --token-file) and compare iss, sub and aud with the credential's federated credentials; prints claims only")
    .argument("<credential-name>", "a credential of the policy with action: oidc")
    .option("--token-file <path>", "read the token from this file instead of stdin")
    .option("--json", "print the comparison as JSON")
    .action(async (name: string, options: { tokenFile?: string; json?: boolean }) => {
      const token = options.tokenFile ? await readFile(options.tokenFile, "utf8") : io.stdin ? await io.stdin() : "";
      if (!token.trim()) throw new BadInputError("arguments", ["oidc check-token: no token: paste it on stdin (end with Ctrl-D) or pass --token-file"]);
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const result = await watchdog.checkOidcToken(name, token);
      io.stdout.write(options.json ? json(result) : formatTokenCheck(result));
      code = !result.ok ? EXIT.badInput : result.comparison.matches ? EXIT.ok : EXIT.failed;
    });

  const broker = program.command("broker").description("(extension) the OIDC broker's key and published documents");
  broker
    .command("rotate-key")
    .description("create a new version of the broker's Key Vault key: published at once, signing after BROKER_KEY_ACTIVATION_SECONDS")
    .action(async () => {
      const opened = await openBroker(io.env, { host: "cli" });
      const created = await opened.rotateKey();
      io.stdout.write(`new key version ${created.kid}: published now, signs after BROKER_KEY_ACTIVATION_SECONDS; the version it replaces stays published BROKER_KEY_OVERLAP_SECONDS longer\n`);
    });
  broker
    .command("publish")
    .description("write the discovery document and the key set as static files (the fallback when the Functions routes cannot serve them)")
    .requiredOption("--out <dir>", "directory to write .well-known/openid-configuration and keys into")
    .action(async (options: { out: string }) => {
      const opened = await openBroker(io.env, { host: "cli" });
      const files = await writeBrokerDocuments(opened, options.out);
      io.stdout.write(`${files.map((f) => `wrote ${f}`).join("\n")}\nserve them at ${opened.issuer}/.well-known/openid-configuration and ${opened.issuer}/keys; publish again after every rotate-key\n`);
    });

  program
    .command("discover")
    .description("propose policy bindings for the Azure credentials found in CircleCI and Entra (changes nothing)")
    .option("--project <slug...>", "also read these project slugs (API v2 cannot list an organization's projects)")
    .option("--project-id <uuid...>", "CircleCI project ids, to propose OIDC bindings")
    .option("--user-id <uuid...>", "CircleCI user ids whose pipelines deploy, to propose OIDC bindings")
    .option("--json", "print the proposals as JSON")
    .action(async (options: { project?: string[]; projectId?: string[]; userId?: string[]; json?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const oidc = options.projectId && options.userId ? { projectIds: options.projectId, userIds: options.userId } : undefined;
      const report = await watchdog.discover({ projects: options.project, oidc });
      io.stdout.write(options.json ? json(report) : report.yaml);
    });

  program
    .command("doctor")
    .description("every permission and role the policy needs: present or missing, and the grant that fixes it (reads only)")
    .option("--json", "print the checks as JSON")
    .action(async (options: { json?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const report = await watchdog.doctor();
      io.stdout.write(options.json ? json(report) : formatDoctor(report));
      code = report.ok ? EXIT.ok : EXIT.failed;
    });

  program
    .command("grant-ownership")
    .description("(an administrator, with their own sign-in) make the watchdog's service principal an owner of every app the policy rotates or federates")
    .option("--principal-id <object-id>", "the watchdog's service principal object id (default: WATCHDOG_IDENTITY_PRINCIPAL_ID)")
    .option("--dry-run", "say what it would do, change nothing")
    .option("--json", "print the outcome as JSON")
    .action(async (options: { principalId?: string; dryRun?: boolean; json?: boolean }) => {
      // Without an administrator sign-in, the error (AdministratorSignInError) says how to sign in; exit 1.
      const report = await grantOwnershipFromSettings(io.env, { principalId: options.principalId, dryRun: options.dryRun === true });
      io.stdout.write(options.json ? json(report) : formatOwnership(report));
      code = report.ok ? EXIT.ok : EXIT.failed;
    });

  program
    .command("report")
    .description("the HTML status page: totals, a 90-day expiry timeline, every credential, the latest audit events")
    .option("--html <file>", "write the page to this file (default: stdout)")
    .option("--cached", cachedOption)
    .action(async (options: { html?: string; cached?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const page = await watchdog.report(options.cached ? { stored } : {});
      if (options.html) {
        await writeFile(options.html, page);
        io.stdout.write(`wrote ${options.html} (${Buffer.byteLength(page)} bytes)\n`);
      } else {
        io.stdout.write(page);
      }
    });

  program
    .command("health")
    .description("how the last cycles went (from the state store) and when the timer runs next")
    .option("--json", "print it as JSON")
    .action(async (options: { json?: boolean }) => {
      const watchdog = await openWatchdog(io.env, { host: "cli" });
      const view = await watchdog.health();
      io.stdout.write(options.json ? json(view) : `${describeHealth(view)}\n`);
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
