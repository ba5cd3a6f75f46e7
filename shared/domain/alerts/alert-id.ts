// FNV-1a, 128-bit variant (http://www.isthe.com/chongo/tech/comp/fnv/). The domain may not import
// node:crypto, and an id only has to be stable and collision-free in practice, not unguessable:
// it carries no secret and authenticates nothing (the webhook signature does that).
const fnvPrime = 0x0000000001000000000000000000013bn;
const fnvOffset = 0x6c62272e07bb014262b821756295c58dn;
const mask128 = (1n << 128n) - 1n;
const encoder = new TextEncoder();

export function fnv1a128Hex(text: string): string {
  let hash = fnvOffset;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * fnvPrime) & mask128;
  }
  return hash.toString(16).padStart(32, "0");
}

/**
 * The alert id, which is also the Standard Webhooks `webhook-id`: the same for the same
 * (kind, credential, threshold, expiry or last change), so re-raising after a crash or a restart
 * lands on the same outbox key and receivers can de-duplicate retries.
 */
export function alertId(parts: { kind: string; credential: string; threshold?: number; marker?: string }): string {
  // JSON keeps the parts apart: no credential name can make two different tuples hash the same text.
  const text = JSON.stringify([parts.kind, parts.credential, parts.threshold ?? null, parts.marker ?? null]);
  return `msg_${fnv1a128Hex(text)}`;
}
