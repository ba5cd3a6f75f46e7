/**
 * Enforces outgoing-address.ts where it matters: on the address a request actually connects to. Names are
 * resolved by the agents' own `lookup`, so the address checked is the address connected to (no second lookup a
 * rebinding DNS server could answer differently). Every address a name resolves to must pass, not only the
 * first: a mixed answer is refused. IP literals never reach `lookup` (Node connects to them directly), so
 * `literalRefusal` checks them before sending.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from "node:dns";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { LookupFunction } from "node:net";
import { literalAddress, refusedAddress } from "../../domain/outgoing-address.js";

export const DESTINATION_REFUSED = "ERR_WATCHDOG_DESTINATION_REFUSED";

export interface DestinationPolicy {
  /** Loopback receivers are allowed on a workstation (the CLI), never inside a Function App. */
  allowLoopback: boolean;
}

function refusal(host: string, what: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`refused: ${host} resolves to ${what}; alerts are sent only to public addresses`);
  error.code = DESTINATION_REFUSED;
  return error;
}

function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...(options as LookupOneOptions), all: true };
    dnsLookup(hostname, all, (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      for (const { address } of addresses) {
        const refused = refusedAddress(address, policy);
        if (refused) return callback(refusal(hostname, refused), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(refusal(hostname, "no address"), "", 0);
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

export function guardedAgents(policy: DestinationPolicy): GuardedAgents {
  const lookup = guardedLookup(policy);
  return { httpAgent: new HttpAgent({ lookup }), httpsAgent: new HttpsAgent({ lookup }) };
}

/** Why a URL whose host is an IP literal may not be reached; undefined for names (the lookup checks those) and allowed literals. */
export function literalRefusal(url: string, policy: DestinationPolicy): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const literal = literalAddress(hostname);
  const refused = literal === undefined ? undefined : refusedAddress(literal, policy);
  return refused ? `refused: its host is ${refused}; alerts are sent only to public addresses${policy.allowLoopback ? "" : " (inside a Function App, not even loopback)"}` : undefined;
}
