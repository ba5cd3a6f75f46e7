import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { Emulator, type EmulatorReply } from "../sandbox/core/emulator.js";
import { createCircleCiStore } from "#shared/adapters/circleci/index.js";
import { headerLookup, remainingBudget, requestedWaitMs } from "#shared/adapters/pacing/index.js";

const tls = ensureSandboxTls(defaultTlsDir());
const orgId = "0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805";

describe("rate-limit headers", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const lookup = (headers: Record<string, string>) => headerLookup(headers);

  it("reads the remaining budget from RateLimit-*, X-RateLimit-* and the structured RateLimit header", () => {
    expect(remainingBudget(lookup({ "ratelimit-remaining": "4", "ratelimit-reset": "2" }), now)).toEqual({ remaining: 4, resetInMs: 2_000 });
    expect(remainingBudget(lookup({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 30) }), now)).toEqual({ remaining: 0, resetInMs: 30_000 });
    expect(remainingBudget(lookup({ ratelimit: '"default";r=7;t=5' }), now)).toEqual({ remaining: 7, resetInMs: 5_000 });
    expect(remainingBudget(lookup({ ratelimit: "limit=100, remaining=9, reset=3" }), now)).toEqual({ remaining: 9, resetInMs: 3_000 });
  });

  it("knows nothing from half a budget or none", () => {
    expect(remainingBudget(lookup({ "ratelimit-remaining": "4" }), now)).toBeUndefined();
    expect(remainingBudget(lookup({ "ratelimit-limit": "100" }), now)).toBeUndefined();
    expect(remainingBudget(lookup({}), now)).toBeUndefined();
  });

  it("takes the wait from a structured RateLimit header when nothing else says it", () => {
    expect(requestedWaitMs(lookup({ ratelimit: '"default";r=0;t=4' }), now)).toBe(4_000);
    expect(requestedWaitMs(lookup({ "retry-after": "1", ratelimit: '"default";r=0;t=4' }), now)).toBe(1_000);
  });

  it("reads fetch Headers as well as plain objects", () => {
    const headers = new Headers({ "Retry-After": "2" });
    expect(requestedWaitMs(headers, now)).toBe(2_000);
  });
});

// A server with a fixed budget per window that says what is left on every answer, as RateLimit-* servers
// do: the adapter stops when the budget is spent and goes on after the reset, instead of earning 429s.
describe("CircleCI adapter against a server that announces its budget", () => {
  const budget = 10;
  const windowMs = 600;
  let server: Emulator;
  let windowStart = 0;
  let used = 0;
  let throttled = 0;
  let answered = 0;

  beforeEach(async () => {
    windowStart = Date.now();
    used = 0;
    throttled = 0;
    answered = 0;
    server = new Emulator({
      name: "budgeted",
      errorShape: (status, message) => ({ status, json: { message } }),
      routes: [
        {
          name: "context.envvar.list",
          method: "GET",
          pattern: "/api/v2/context/:id/environment-variable",
          handler: async (req): Promise<EmulatorReply> => {
            const now = Date.now();
            if (now - windowStart >= windowMs) {
              windowStart = now;
              used = 0;
            }
            // Whole seconds, rounded up, as servers send them: never earlier than the real reset.
            const reset = String(Math.ceil((windowStart + windowMs - now) / 1000));
            if (used >= budget) {
              throttled += 1;
              return { status: 429, headers: { "ratelimit-remaining": "0", "ratelimit-reset": reset }, json: { message: "Rate limit exceeded." } };
            }
            used += 1;
            await new Promise((resolve) => setTimeout(resolve, 20));
            answered += 1;
            const item = { variable: "TOKEN", created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z", context_id: req.params.id };
            return { status: 200, headers: { "ratelimit-remaining": String(budget - used), "ratelimit-reset": reset }, json: { items: [item], next_page_token: null } };
          },
        },
      ],
    });
    await server.start(tls);
  });
  afterEach(() => server.close());

  it("spends the budget, waits for the reset, and never hits a 429", async () => {
    const ci = createCircleCiStore({ apiUrl: `${server.url}/api/v2`, token: "budget-test-token", orgId, maxConcurrency: 8, minTimeoutMs: 5, maxTimeoutMs: 20 });
    const contexts = Array.from({ length: 25 }, (_, i) => ({ id: `ctx-${i}`, name: `context-${i}`, createdAt: "2026-01-01T00:00:00.000Z" }));
    const lists = await Promise.all(contexts.map((context) => ci.listContextVariables(context)));
    expect(lists.flat()).toHaveLength(25);
    expect(answered).toBe(25);
    expect(throttled).toBe(0);
  });
});
