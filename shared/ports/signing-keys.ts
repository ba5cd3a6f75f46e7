/** A published RSA signing key of the broker (the public part only: the private key never leaves its vault). */
export interface PublishedKey {
  /** The key id of tokens signed with it: the Key Vault key version (32 hex). */
  kid: string;
  kty: "RSA";
  alg: "RS256";
  use: "sig";
  /** Base64url modulus and exponent, as in a JWKS. */
  n: string;
  e: string;
  /** When this version was created (rotation publishes a new one well before signing with it). */
  createdAt: string;
}

/** The OIDC broker's signing key: versions of one RSA key in Key Vault, signing through the vault's sign operation. */
export interface SigningKeys {
  /** Every enabled version, newest first. */
  published(): Promise<PublishedKey[]>;
  /** RS256 over `signingInput` (the JWS `header.payload`), with the version `kid`; base64url. */
  sign(kid: string, signingInput: string): Promise<string>;
  /** A new version (rotation): published at once, signed with only after the overlap the caller decides. */
  rotate(): Promise<PublishedKey>;
}
