/**
 * One rotation run in its own process, built exactly as the CLI builds it: settings from the environment
 * (the sandbox's URLs), adapters from `shared/app` (DefaultAzureCredential through the emulated managed
 * identity), local state in WATCHDOG_STATE_DIR. Tests kill it mid-call with SIGKILL.
 *
 *   node --import tsx test/support/rotation-child.ts '{"credential":{...},"now":"2026-…","actor":"child"}'
 *
 * Prints the outcome as one JSON line when it gets to finish.
 */
import { buildAdapters } from "#shared/app/compose.js";
import { readSettings } from "#shared/app/settings.js";
import type { RotateCredential } from "#shared/domain/policy/index.js";
import { rotateCredential } from "#shared/engine/rotation/index.js";

interface ChildInput {
  credential: RotateCredential;
  now: string;
  actor: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
  const settings = readSettings(process.env);
  const ports = buildAdapters(settings, { vault: true }, "cli");
  const outcome = await rotateCredential(ports, input.credential, {
    tenantId: settings.tenantId ?? "",
    now: () => new Date(input.now),
    actor: input.actor,
    manual: false,
    snapshotComplete: true,
    propagation: settings.propagation,
  });
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`rotation child failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
