/**
 * The rotation's invariants, checked from what a user can see: the emulators' state and the Entra token
 * endpoint. Create one watch per case, call `afterRun` after every run (crashed or not) and `final` at the end.
 */
import { parseJournal } from "#shared/domain/rotation/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { HOUR, type RotationCase, type RotationSandbox } from "./rotation-sandbox.js";

export class InvariantWatch {
  readonly violations: string[] = [];
  /** Engine time of the run after which CircleCI first held a new value. */
  private pushedAt: number | undefined;
  private retiredAt: number | undefined;

  constructor(
    private readonly sandbox: RotationSandbox,
    private readonly kase: RotationCase,
  ) {}

  private get overlapMs(): number {
    return this.kase.credential.rotation.overlapHours * HOUR;
  }

  /**
   * `settled`: the run ended without an injected fault, so it must have cleaned up after earlier ones
   * (every password we minted has its value in Key Vault or is gone).
   */
  async afterRun(label: string, runAt: number, settled: boolean): Promise<void> {
    const { sandbox, kase } = this;
    const fail = (what: string) => this.violations.push(`${label}: ${what}`);
    const ci = sandbox.ciValue(kase);
    const versions = sandbox.versions(kase);
    if (!(await sandbox.accepts(kase, ci))) fail("CircleCI holds a value that Entra refuses");
    if (ci !== kase.oldValue && !versions.some((v) => v.value === ci)) fail("CircleCI holds a new value that is not in Key Vault");
    const minted = sandbox.minted(kase);
    if (minted.length > 2) fail(`${minted.length} live passwords minted by the watchdog (at most 2)`);
    if (ci !== kase.oldValue && this.pushedAt === undefined) this.pushedAt = runAt;
    const oldGone = !sandbox.passwords(kase).some((p) => p.keyId === kase.oldKeyId);
    if (oldGone && this.retiredAt === undefined) {
      this.retiredAt = runAt;
      if (this.pushedAt === undefined) fail("the old password was removed before the new value reached CircleCI");
      else if (runAt - this.pushedAt < this.overlapMs) fail(`the old password was removed ${(runAt - this.pushedAt) / HOUR} h after the push (overlap ${this.overlapMs / HOUR} h)`);
      if (ci === kase.oldValue) fail("the old password was removed while CircleCI still held it");
    }
    if (settled) {
      for (const p of minted) {
        if (!versions.some((v) => v.value === p.secretText)) fail(`password ${p.keyId} minted by the watchdog has no value in Key Vault`);
      }
    }
  }

  /** The end state of a finished rotation. */
  async final(store: StateStore): Promise<void> {
    const { sandbox, kase } = this;
    const fail = (what: string) => this.violations.push(`final: ${what}`);
    const record = await store.get<unknown>("journal", kase.name);
    const parsed = parseJournal(kase.name, record?.value);
    if (!parsed.ok) return void fail(parsed.message);
    if (parsed.journal.state !== "retired") fail(`journal state is ${parsed.journal.state}, not retired`);
    const minted = sandbox.minted(kase);
    if (minted.length !== 1) return void fail(`${minted.length} live passwords minted by the watchdog (want exactly 1)`);
    const fresh = minted[0]!;
    const keys = sandbox.passwords(kase).map((p) => p.keyId);
    if (keys.length !== 1 || keys[0] !== fresh.keyId) fail(`the app has passwords ${keys.join(",")}, want only the new ${fresh.keyId}`);
    const versions = sandbox.versions(kase);
    const latest = versions[versions.length - 1];
    if (latest?.value !== fresh.secretText || !latest.enabled || latest.tags.keyId !== fresh.keyId) fail("the latest Key Vault version is not the new value (enabled, tagged with its key id)");
    const stillEnabled = versions.slice(0, -1).filter((v) => v.enabled);
    if (stillEnabled.length > 0) fail(`${stillEnabled.length} old Key Vault version(s) still enabled`);
    if (sandbox.ciValue(kase) !== fresh.secretText) fail("CircleCI does not hold the new value");
    if (!(await sandbox.accepts(kase, sandbox.ciValue(kase)))) fail("Entra refuses CircleCI's value");
    if (await sandbox.accepts(kase, kase.oldValue)) fail("Entra still accepts the old value");
  }
}
