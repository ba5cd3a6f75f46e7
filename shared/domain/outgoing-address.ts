import ipaddr from "ipaddr.js";

/**
 * Where the watchdog may send a request a policy names (webhooks, the heartbeat): public unicast addresses
 * only, so a policy cannot aim it at the cloud's metadata service (169.254.169.254), the Function App's own
 * loopback services or anything else inside the network. Loopback is allowed where the caller allows it
 * (local receivers and tests on a workstation), never inside a Function App.
 *
 * Classification is ipaddr.js's (the IANA special-purpose registries): anything it does not call `unicast`
 * is refused, including IPv4-mapped IPv6 (`::ffff:10.0.0.1`) and NAT64/6to4/Teredo forms that embed IPv4.
 */
const rangeWords: Record<string, string> = {
  private: "a private address",
  linkLocal: "a link-local address",
  uniqueLocal: "a unique-local address",
  carrierGradeNat: "a shared (carrier-grade NAT) address",
  unspecified: "an unspecified address",
  ipv4Mapped: "an IPv4-mapped address",
  loopback: "a loopback address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
};

/** Undefined when `address` (an IP address, no brackets) may be reached; else what kind of address it is. */
export function refusedAddress(address: string, options: { allowLoopback: boolean }): string | undefined {
  if (!ipaddr.isValid(address)) return "not an IP address";
  const range = ipaddr.parse(address).range();
  if (range === "unicast") return undefined;
  if (range === "loopback" && options.allowLoopback) return undefined;
  return rangeWords[range] ?? `a special-purpose address (${range})`;
}

/** The IP address a URL's host spells literally (`10.0.0.1`, `[::ffff:a00:1]`), or undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  // WHATWG URL parsing has already turned 0x7f.1 and 2130706433 into dotted quads.
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || (bare.includes(":") && ipaddr.IPv6.isValid(bare)) ? bare : undefined;
}
