import type { Refusal, TokenRule } from "../domain/broker/refusal.js";

/** A CircleCI OIDC token whose signature, issuer, audience and times all checked out. */
export interface VerifiedCircleCiToken {
  payload: Record<string, unknown>;
  /** Seconds since the epoch. */
  exp: number;
}

export type CircleCiTokenCheck = { ok: true; token: VerifiedCircleCiToken } | { ok: false; refusal: Refusal & { rule: TokenRule } };

/** Checks CircleCI OIDC tokens of one organization for one audience against CircleCI's published keys. */
export interface CircleCiTokenVerifier {
  /** Throws CircleCiKeysUnavailableError when the organization's keys cannot be read (nothing is then accepted). */
  verify(token: string, now: Date): Promise<CircleCiTokenCheck>;
}

export class CircleCiKeysUnavailableError extends Error {
  constructor(detail: string) {
    super(`CircleCI's OIDC keys could not be read: ${detail}`);
    this.name = "CircleCiKeysUnavailableError";
  }
}
