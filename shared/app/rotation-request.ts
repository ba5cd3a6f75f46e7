import type { ManualRotation, Watchdog } from "./watchdog.js";

/**
 * A person's request to rotate one credential (POST /api/credentials/{name}/rotate). A real request is
 * audited (`rotation.requested`, naming the caller) before anything happens, so the log shows who asked even
 * when the rotation later fails or the process dies; the engine's own entries (`rotation.started`, …) follow
 * under the same actor. Dry runs change nothing and are not audited. Unknown or non-rotate credentials throw
 * UnknownCredentialError from `rotate` without an entry: nothing was asked of anything.
 */
export async function requestRotation(watchdog: Watchdog, name: string, options: { actor: string; dryRun: boolean }): Promise<ManualRotation> {
  const credential = watchdog.policy.credentials.find((c) => c.name === name);
  if (!options.dryRun && credential?.action === "rotate") {
    await watchdog.adapters.state.appendAudit({
      at: new Date().toISOString(),
      event: "rotation.requested",
      actor: options.actor,
      subject: name,
      details: { manual: true },
    });
  }
  return watchdog.rotate(name, { actor: options.actor, dryRun: options.dryRun, manual: true });
}
