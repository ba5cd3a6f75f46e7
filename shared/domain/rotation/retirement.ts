import { keptSharedPasswordNote } from "../policy/shared-app.js";
import type { AppPassword } from "../snapshot.js";
import type { RotationJournal } from "./journal.js";
import { isMintedBy, sameKeyId } from "./markers.js";
import type { ObservedVersion } from "./reconcile.js";

/**
 * The "before" picture taken when a rotation starts: which passwords CircleCI may be using now (they are
 * removed once the new one has been pushed, verified and the overlap has passed) and which Key Vault
 * versions hold old values (disabled then).
 *
 * Only this credential's Key Vault versions count: one whose `credential` tag names another credential (a secret
 * once shared) is neither trusted to name a password nor disabled. Untagged versions (written by hand before the
 * watchdog) count: the policy gives every credential a secret of its own.
 *
 * An app with one password that another policy credential also binds (`appAlsoBoundBy`) keeps it: that
 * credential's variable can hold no other, so removing it would break that pipeline; the note says why. Otherwise
 * a password is retired only when we can tell it is this credential's:
 * - the one the latest enabled version of this credential names in its `keyId` tag (the live one, by our record);
 * - any earlier password the watchdog minted for this credential;
 * - otherwise, the app's only password.
 * An app with several passwords and no such record keeps them all: other consumers may use them.
 */
/** This credential's enabled versions (untagged ones count, another credential's do not): the old values to disable at retire. */
export function ownEnabledVersions(credential: string, versions: readonly ObservedVersion[]): ObservedVersion[] {
  return versions.filter((v) => v.enabled && (v.tags.credential === undefined || v.tags.credential === credential));
}

export function chooseRetirement(input: {
  credential: string;
  /** The app's client id, named in the note when the only password is kept. */
  appId?: string;
  passwords: AppPassword[];
  versions: ObservedVersion[];
  appAlsoBoundBy?: readonly string[];
}): RotationJournal["retire"] {
  const enabled = ownEnabledVersions(input.credential, input.versions);
  const namedKeyId = enabled[enabled.length - 1]?.tags.keyId;
  const named = input.passwords.find((p) => sameKeyId(p.keyId, namedKeyId));
  const earlier = input.passwords.filter((p) => isMintedBy(p.displayName, input.credential));
  const keyIds = [...new Set([...(named ? [named.keyId] : []), ...earlier.map((p) => p.keyId)])];
  const versions = enabled.map((v) => v.version);
  const others = input.appAlsoBoundBy ?? [];
  if (input.passwords.length === 1 && others.length > 0) return { keyIds: [], versions, note: keptSharedPasswordNote(input.appId ?? "(this app)", others) };
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
/**
 * The Key Vault versions retire disables: those chosen at start (and dead ones found since), plus any other
 * enabled version of this rotation — a store whose answer was lost and that the SDK's retry repeated leaves
 * a second version of the same value. The stored version itself is never among them.
 */
export function versionsToDisable(journal: RotationJournal, versions: Array<{ version: string; enabled: boolean; tags: Record<string, string> }>): string[] {
  const strays = versions
    .filter((v) => v.enabled && v.tags.rotationId === journal.rotationId && (v.tags.credential ?? journal.credential) === journal.credential)
    .map((v) => v.version);
  return [...new Set([...journal.retire.versions, ...strays])].filter((v) => v !== journal.stored?.version);
}

export function checkBeforeRetire(journal: RotationJournal, passwords: AppPassword[]): RetireCheck {
  const newKeyId = journal.minted?.keyId;
  if (!newKeyId || !passwords.some((p) => sameKeyId(p.keyId, newKeyId))) {
    return { ok: false, reason: `the new password ${newKeyId ?? "(none)"} is no longer on the app` };
  }
  const strays = passwords.filter((p) => isMintedBy(p.displayName, journal.credential, journal.rotationId) && !sameKeyId(p.keyId, newKeyId));
  const old = passwords.filter((p) => journal.retire.keyIds.some((k) => sameKeyId(k, p.keyId)) && !sameKeyId(p.keyId, newKeyId));
  return { ok: true, removeKeyIds: [...new Set([...old, ...strays].map((p) => p.keyId))] };
}
