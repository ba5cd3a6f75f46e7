/**
 * Which versions of the broker's key are published and which one signs. Entra caches an issuer's keys for a time
 * it does not document, so a new version is published for `activationMs` before anything is signed with it, and
 * the version it replaces stays published for `overlapMs` after that (tokens it signed live at most an hour).
 */

export interface KeyVersion {
  kid: string;
  /** ISO date-time the version was created in the vault. */
  createdAt: string;
}

export interface KeyTimings {
  activationMs: number;
  overlapMs: number;
}

export interface KeySchedule<K extends KeyVersion> {
  /** The version tokens are signed with now; null when the vault holds none. */
  signing: K | null;
  /** Every version in the JWKS now: the signing one, the ones waiting to sign, and the ones still in their overlap. */
  published: K[];
}

const createdMs = (key: KeyVersion) => Date.parse(key.createdAt);

/**
 * The newest version published for at least `activationMs` signs; when none is that old, the oldest does (the very
 * first key signs at once: nobody can have cached a key set without it). An older version stays published until
 * `overlapMs` after the version that replaced it began signing; versions with an unreadable date are never used.
 */
export function keySchedule<K extends KeyVersion>(versions: readonly K[], now: Date, timings: KeyTimings): KeySchedule<K> {
  const at = now.getTime();
  const known = versions.filter((key) => Number.isFinite(createdMs(key))).sort((a, b) => createdMs(a) - createdMs(b) || a.kid.localeCompare(b.kid));
  if (known.length === 0) return { signing: null, published: [] };
  const activeAt = (index: number) => (index === 0 ? createdMs(known[0]!) : createdMs(known[index]!) + timings.activationMs);
  let signingIndex = 0;
  known.forEach((_, index) => {
    if (activeAt(index) <= at) signingIndex = index;
  });
  const published = known.filter((_, index) => {
    if (index >= signingIndex) return true;
    // Replaced: kept while the version after it has signed for less than the overlap.
    return at < activeAt(index + 1) + timings.overlapMs;
  });
  return { signing: known[signingIndex]!, published: [...published].reverse() };
}
