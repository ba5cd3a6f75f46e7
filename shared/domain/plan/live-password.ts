import { sameKeyId } from "../rotation/markers.js";
import { parseInstant } from "../time.js";
import type { AppPassword, EntraApp, VaultSecretInfo } from "../snapshot.js";

export type LiveSelection = "key-vault-tag" | "only-password" | "most-recently-started";

export interface LivePassword {
  password: AppPassword;
  /** How it was chosen: shown nowhere yet, but tests and future diagnostics rely on it. */
  selectedBy: LiveSelection;
}

const startMs = (password: AppPassword) => parseInstant(password.startDateTime)?.getTime() ?? Number.NEGATIVE_INFINITY;
const endMs = (password: AppPassword) => parseInstant(password.endDateTime)?.getTime() ?? Number.NEGATIVE_INFINITY;

/**
 * Which of an app's client secrets is the one the CircleCI variable holds. Values are never compared
 * (we never read them), so:
 * 1. the password whose keyId the credential's Key Vault secret (latest version) carries in its `keyId` tag —
 *    the rotation machinery writes that tag, so after any rotation it is exact;
 * 2. otherwise the app's only password;
 * 3. otherwise the most recently started one (then the latest-ending, then by keyId, for determinism): people
 *    who rotate by hand add the new secret and update CircleCI, so the newest is the best guess — and a wrong guess
 *    errs towards reporting the older, sooner-expiring secret as unbound, which still alerts.
 */
export function selectLivePassword(app: EntraApp, vaultSecret: VaultSecretInfo | undefined): LivePassword | undefined {
  const passwords = app.passwords;
  const taggedKeyId = vaultSecret?.tags?.keyId;
  if (taggedKeyId !== undefined) {
    const tagged = passwords.find((password) => sameKeyId(password.keyId, taggedKeyId));
    if (tagged) return { password: tagged, selectedBy: "key-vault-tag" };
  }
  const [first] = passwords;
  if (first === undefined) return undefined;
  if (passwords.length === 1) return { password: first, selectedBy: "only-password" };
  const newest = passwords.reduce((best, candidate) => {
    const byStart = startMs(candidate) - startMs(best);
    if (byStart !== 0 && !Number.isNaN(byStart)) return byStart > 0 ? candidate : best;
    const byEnd = endMs(candidate) - endMs(best);
    if (byEnd !== 0 && !Number.isNaN(byEnd)) return byEnd > 0 ? candidate : best;
    return String(candidate.keyId) > String(best.keyId) ? candidate : best;
  });
  return { password: newest, selectedBy: "most-recently-started" };
}
