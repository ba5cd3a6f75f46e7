/** The OIDC broker's use cases: role resolution, the token exchange, its keys. */
export { BrokerKeys, NoSigningKeyError, keyCacheMs, type Jwks } from "./broker-keys.js";
export { counterSweepGraceMs, countUp, sweepCounters, type CounterSweep } from "./bounded-count.js";
export { exchangeToken, tokenCounterKey, type BrokerLimits, type ExchangeDependencies, type ExchangeOutcome, type ExchangeRequest } from "./exchange.js";
export { resolveRoles, type ResolvedRole, type RoleResolution } from "./resolve-roles.js";
