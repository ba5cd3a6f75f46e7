import { entraExchangeAudience } from "../policy/broker-schema.js";

/** The Azure CLI reuses the assertion for every resource it logs in to: a token must outlive the login, up to an hour. */
export const maxBrokerTokenSeconds = 3600;

export interface BrokerTokenInput {
  issuer: string;
  role: string;
  /** The CircleCI token's own expiry (seconds since the epoch): a broker token never outlives it. */
  circleciExp: number;
  now: Date;
  /** A unique id for this token (the audit names it: Entra's logs do not). */
  jti: string;
}

export interface BrokerTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

export const roleSubject = (role: string) => `role:${role}`;

/** The claims of a broker token: subject `role:<name>`, Entra's audience, alive until the CircleCI token expires, at most an hour. */
export function brokerTokenClaims(input: BrokerTokenInput): BrokerTokenClaims {
  const iat = Math.floor(input.now.getTime() / 1000);
  return {
    iss: input.issuer,
    sub: roleSubject(input.role),
    aud: entraExchangeAudience,
    iat,
    nbf: iat,
    exp: Math.min(input.circleciExp, iat + maxBrokerTokenSeconds),
    jti: input.jti,
  };
}
