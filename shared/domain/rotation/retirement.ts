import type { AppPassword } from "../snapshot.js";
import type { RotationJournal } from "./journal.js";
import { isMintedBy, sameKeyId } from "./markers.js";
import type { ObservedVersion } from "./reconcile.js";

/**
 * The "before" picture taken when a rotation starts: which passwords CircleCI may be using now (they are
 * removed once the new one has been pushed, verified and the overlap has passed) and which Key Vault
 * versions hold old values (disabled then).
 *
 * A password is retired only when we can tell it is this credential's:
 * - the one the latest enabled Key Vault version names in its `keyId` tag (the live one, by our own record);
 * - any earlier password the watchdog minted for this credential;
 * - otherwise, the app's only password.
 * An app with several passwords and no such record keeps them all: other consumers may use them.
 */
export function chooseRetirement(input: { credential: string; passwords: AppPassword[]; versions: ObservedVersion[] }): RotationJournal["retire"] {
  const enabled = input.versions.filter((v) => v.enabled);
  const namedKeyId = enabled[enabled.length - 1]?.tags.keyId;
  const named = input.passwords.find((p) => sameKeyId(p.keyId, namedKeyId));
  const earlier = input.passwords.filter((p) => isMintedBy(p.displayName, input.credential));
  const keyIds = [...new Set([...(named ? [named.keyId] : []), ...earlier.map((p) => p.keyId)])];
  const versions = enabled.map((v) => v.version);
  if (keyIds.length > 0) return { keyIds, versions };
  if (input.passwords.length === 1) return { keyIds: [input.passwords[0]!.keyId], versions };
  return {
    keyIds: [],
    versions,
    note:
      input.passwords.length === 0
        ? "the app had no password before this rotation"
        : `the app has ${input.passwords.length} passwords and neither Key Vault nor a watchdog displayName says which one CircleCI uses: none will be removed`,
  };
}

export type RetireCheck =
  | { ok: true; removeKeyIds: string[] }
  | { ok: false; reason: string };

/**
 * Just before retiring: the new password must still exist (else CircleCI's value is dead and removing the
 * old one would take away the fallback). Removes only passwords that still exist: the old ones chosen at
 * start and any stray password of this rotation (minted by a run that lost its lease), never the new one.
 */
export function checkBeforeRetire(journal: RotationJournal, passwords: AppPassword[]): RetireCheck {
  const newKeyId = journal.minted?.keyId;
  if (!newKeyId || !passwords.some((p) => sameKeyId(p.keyId, newKeyId))) {
    return { ok: false, reason: `the new password ${newKeyId ?? "(none)"} is no longer on the app` };
  }
  const strays = passwords.filter((p) => isMintedBy(p.displayName, journal.credential, journal.rotationId) && !sameKeyId(p.keyId, newKeyId));
  const old = passwords.filter((p) => journal.retire.keyIds.some((k) => sameKeyId(k, p.keyId)) && !sameKeyId(p.keyId, newKeyId));
  return { ok: true, removeKeyIds: [...new Set([...old, ...strays].map((p) => p.keyId))] };
}
