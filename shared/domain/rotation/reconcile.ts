import type { AppPassword } from "../snapshot.js";
import { stateIndex, type RotationJournal } from "./journal.js";
import { isMintedBy, sameKeyId } from "./markers.js";
import { addHistory } from "./transitions.js";

/** A Key Vault version as the rotation sees it: metadata only. */
export interface ObservedVersion {
  version: string;
  enabled: boolean;
  tags: Record<string, string>;
}

/** What a run read from the world about one credential: the app's passwords and the secret's versions. */
export interface ObservedWorld {
  passwords: AppPassword[];
  versions: ObservedVersion[];
}

export interface Reconciliation {
  journal: RotationJournal;
  /**
   * Passwords this rotation minted whose value never reached Key Vault (or that lost to another attempt of
   * the same rotation): nobody can hold their value, so they are removed before anything else happens.
   */
  orphanKeyIds: string[];
  /** What was found, for the history and the audit (ids only). */
  findings: string[];
}

const uniq = (values: string[]) => [...new Set(values)];

/**
 * Passwords of the current rotation that the journal or Key Vault says exist, or that an unfinished mint may
 * have made, but that this read of the app does not show. Graph reads shortly after a write may not show it
 * yet (Entra is eventually consistent), so such an absence is believed only on a second read made later:
 * otherwise a just-minted password would be taken for lost (and minted again) or its version for dead.
 */
export function absencesToConfirm(journal: RotationJournal, world: ObservedWorld): string[] {
  const { rotationId, credential } = journal;
  const shown = (keyId: string | undefined) => world.passwords.some((p) => sameKeyId(p.keyId, keyId));
  const expected = [
    ...(journal.minted ? [journal.minted.keyId] : []),
    ...world.versions.filter((v) => v.tags.rotationId === rotationId && (v.tags.credential ?? credential) === credential && v.tags.keyId).map((v) => v.tags.keyId!),
  ];
  const missing = uniq(expected.filter((keyId) => !shown(keyId))).map((keyId) => `password ${keyId}`);
  const mintUnsettled = journal.pending?.step === "mint" || journal.lastFailure?.step === "mint";
  if (mintUnsettled && !world.passwords.some((p) => isMintedBy(p.displayName, credential, rotationId))) missing.push(`a password of rotation ${rotationId} (the mint's outcome is unknown)`);
  return missing;
}

/**
 * Brings the journal in line with the world after an uncertain outcome (a crash, a lost answer, a failed
 * call). The rules, for the current rotation id R:
 * - an enabled Key Vault version tagged R whose keyId names a password of R that still exists means the
 *   store step is done: the journal adopts that pair (the value can be read back by version);
 * - a password of R without such a version is an orphan: its value exists nowhere we can read, so it is
 *   removed and a new one minted;
 * - a version tagged R whose password is gone holds a dead value: it joins the versions disabled at retire;
 * - when the pair the journal relied on is gone, the rotation falls back to mint (or, if another stored
 *   pair exists, to verify that one) — never forward.
 * Passwords of other rotations (the old live one included) are never touched here.
 */
export function reconcile(journal: RotationJournal, world: ObservedWorld, at: string): Reconciliation {
  const { rotationId, credential } = journal;
  const ours = world.passwords.filter((p) => isMintedBy(p.displayName, credential, rotationId));
  const tagged = world.versions.filter((v) => v.enabled && v.tags.rotationId === rotationId && (v.tags.credential ?? credential) === credential);
  const pairs = ours.flatMap((password) => {
    const versions = tagged.filter((v) => sameKeyId(v.tags.keyId, password.keyId));
    const version = versions.find((v) => v.version === journal.stored?.version) ?? versions[versions.length - 1];
    return version ? [{ password, version }] : [];
  });
  const chosen =
    pairs.find((p) => sameKeyId(p.password.keyId, journal.minted?.keyId) && p.version.version === journal.stored?.version) ??
    pairs.find((p) => sameKeyId(p.password.keyId, journal.minted?.keyId)) ??
    pairs[pairs.length - 1];
  const extras = pairs.filter((p) => p !== chosen);
  const unstored = ours.filter((p) => !pairs.some((pair) => pair.password === p));
  const orphanKeyIds = uniq([...unstored, ...extras.map((e) => e.password)].map((p) => p.keyId));
  const deadVersions = [
    ...tagged.filter((v) => !ours.some((p) => sameKeyId(p.keyId, v.tags.keyId))).map((v) => v.version),
    ...extras.map((e) => e.version.version),
  ];
  const findings: string[] = [];
  if (orphanKeyIds.length > 0) findings.push(`orphaned passwords (value not in Key Vault): ${orphanKeyIds.join(",")}`);
  if (deadVersions.length > 0) findings.push(`Key Vault versions whose password is gone: ${deadVersions.join(",")}`);

  let next: RotationJournal = { ...journal, pending: null, lastFailure: null };
  const index = stateIndex(journal.state);
  if (chosen) {
    const sameAsJournal = sameKeyId(chosen.password.keyId, journal.minted?.keyId) && chosen.version.version === journal.stored?.version;
    const minted = { keyId: chosen.password.keyId, endDateTime: chosen.password.endDateTime ?? journal.minted?.endDateTime ?? "" };
    const stored = { version: chosen.version.version };
    if (index < stateIndex("stored")) {
      findings.push(`the new value is already in Key Vault (version ${stored.version}, key ${minted.keyId}): store is done`);
      next = { ...next, state: "stored", minted, stored };
    } else if (!sameAsJournal) {
      // Another stored pair than the one verified/pushed: it must be proven and pushed itself.
      findings.push(`the stored pair changed to key ${minted.keyId}, version ${stored.version}: verifying it again`);
      next = { ...next, state: "stored", minted, stored, verifiedAt: null, pushedAt: null };
    }
  } else if (index >= stateIndex("minted") && index < stateIndex("retired")) {
    findings.push(
      journal.minted
        ? `the new password ${journal.minted.keyId} has no readable value in Key Vault or is gone: minting again`
        : "no new password with a value in Key Vault: minting again",
    );
    if (journal.stored) deadVersions.push(journal.stored.version);
    next = { ...next, state: "started", minted: null, stored: null, verifiedAt: null, pushedAt: null };
  }
  const retireVersions = uniq([...next.retire.versions, ...deadVersions]).filter((v) => v !== next.stored?.version);
  next = { ...next, retire: { ...next.retire, versions: retireVersions } };
  next = addHistory(next, at, "reconcile", "done", {
    state: next.state,
    orphans: orphanKeyIds.join(",") || null,
    deadVersions: uniq(deadVersions).join(",") || null,
  });
  return { journal: next, orphanKeyIds, findings };
}
