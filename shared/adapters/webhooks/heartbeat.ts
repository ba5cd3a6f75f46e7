import axios from "axios";
import type { Heartbeat } from "../../ports/heartbeat.js";
import { DESTINATION_REFUSED, guardedAgents, literalRefusal } from "./destination-guard.js";

/**
 * Pings a dead-man's-switch URL (any service that alerts when pings stop). The URL is a secret (it lets anyone
 * silence the switch), so no message quotes it; the answer's body is never read.
 */
export function createHeartbeat(options: { timeoutMs?: number; userAgent?: string; allowLoopback?: boolean } = {}): Heartbeat {
  const timeoutMs = options.timeoutMs ?? 5_000;
  // The same rule as webhooks (destination-guard.ts): public addresses only, loopback outside a Function App.
  const destinations = { allowLoopback: options.allowLoopback ?? true };
  const agents = guardedAgents(destinations);
  return {
    async ping(url) {
      const refused = literalRefusal(url, destinations);
      if (refused) return { ok: false, error: `heartbeat: ${refused}` };
      try {
        const response = await axios.get(url, {
          timeout: timeoutMs,
          maxRedirects: 0,
          proxy: false,
          httpAgent: agents.httpAgent,
          httpsAgent: agents.httpsAgent,
          validateStatus: () => true,
          responseType: "text",
          transformResponse: [(data: unknown) => data],
          headers: { "user-agent": options.userAgent ?? "secret-watchdog" },
        });
        if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
        return { ok: false, status: response.status, error: `heartbeat answered HTTP ${response.status}` };
      } catch (error) {
        const code = axios.isAxiosError(error) ? error.code : undefined;
        if (code === DESTINATION_REFUSED) return { ok: false, error: "heartbeat: refused: its host resolves to an address inside the network" };
        if (code === "ECONNABORTED" || code === "ETIMEDOUT") return { ok: false, error: `heartbeat: no answer within ${timeoutMs} ms` };
        return { ok: false, error: `heartbeat: request failed (${code ?? "network error"})` };
      }
    },
  };
}
