import { keySchedule, type KeySchedule, type KeyTimings } from "../../domain/broker/key-schedule.js";
import type { BrokerTokenClaims } from "../../domain/broker/broker-token.js";
import type { PublishedKey, SigningKeys } from "../../ports/signing-keys.js";

export interface Jwks {
  keys: Array<Pick<PublishedKey, "kid" | "kty" | "alg" | "use" | "n" | "e">>;
}

export class NoSigningKeyError extends Error {
  constructor() {
    super("the broker's key has no enabled version in Key Vault: run `watchdog broker rotate-key` once to create it");
    this.name = "NoSigningKeyError";
  }
}

/** At most a minute, and well inside the activation delay so every instance sees a new version before it signs. */
export const keyCacheMs = (timings: KeyTimings) => Math.max(0, Math.min(60_000, timings.activationMs / 4));

/**
 * The broker's published keys and its signer over the Key Vault key: the version list is read at most once per
 * `keyCacheMs` per instance (each read is a list and a get per version), and the schedule decides which version
 * signs and which are in the JWKS.
 */
export class BrokerKeys {
  private cached: { at: number; versions: PublishedKey[] } | null = null;

  constructor(
    private readonly keys: SigningKeys,
    private readonly timings: KeyTimings,
  ) {}

  private async schedule(now: Date): Promise<KeySchedule<PublishedKey>> {
    if (!this.cached || now.getTime() - this.cached.at >= keyCacheMs(this.timings) || now.getTime() < this.cached.at) {
      this.cached = { at: now.getTime(), versions: await this.keys.published() };
    }
    return keySchedule(this.cached.versions, now, this.timings);
  }

  async jwks(now: Date): Promise<Jwks> {
    const { published } = await this.schedule(now);
    return { keys: published.map(({ kid, kty, alg, use, n, e }) => ({ kid, kty, alg, use, n, e })) };
  }

  /** An RS256 JWT of these claims, signed by the vault with the scheduled version. */
  async sign(claims: BrokerTokenClaims, now: Date): Promise<string> {
    const { signing } = await this.schedule(now);
    if (!signing) throw new NoSigningKeyError();
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: signing.kid })).toString("base64url");
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${header}.${payload}.${await this.keys.sign(signing.kid, `${header}.${payload}`)}`;
  }

  /** A new version, published at once and signing only after the activation delay. Forgets the cache. */
  async rotate(): Promise<PublishedKey> {
    const created = await this.keys.rotate();
    this.cached = null;
    return created;
  }
}
